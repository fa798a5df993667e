"""The settings every command reads through one ConfigReader: precedence, errors, redaction, and the README."""
import json
import os
import re
import subprocess

import requests

from support import BIN, Server, start, wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def config(*args, env=None):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CONTACT_SYNC_") and key != "LOG_LEVEL"}
    environment.update(env or {})
    return subprocess.run([BIN, "config", *args], env=environment, capture_output=True, text=True, timeout=60)


def settings(output):
    """`config` output as {key: (value, source)}."""
    table = {}
    for line in output.splitlines():
        match = re.match(r"^(\S+)\s+(.*?)(?: \((flag|environment|file|default)\))?\s*$", line)
        if match:
            table[match.group(1)] = (match.group(2), match.group(3))
    return table


def test_the_readme_configuration_table_is_the_one_the_reader_uses():
    generated = config("--markdown")
    assert generated.returncode == 0, generated.stderr
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    section = re.search(r"<!-- configuration table: contact-sync config --markdown -->\n(.*?)\n<!-- end of configuration table -->", readme, re.S)
    assert section, "README has no configuration table"
    assert section.group(1).strip() == generated.stdout.strip()
    # Every variable the table names is one the commands read: spot-check the ones operators rely on.
    for variable in ["CONTACT_SYNC_PORT", "CONTACT_SYNC_DATABASE_URL", "CONTACT_SYNC_API_KEY", "HUBSPOT_CLIENT_SECRET", "LOG_LEVEL"]:
        assert f"`{variable}`" in section.group(1)


def test_each_command_takes_the_flags_the_table_gives_it_and_no_others():
    table = config("--markdown").stdout
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()[2:]]
    for command in ["serve", "worker", "migrate", "emulators", "mcp-stdio", "config"]:
        documented = {row[1].strip("`") for row in rows if row[1] and command in [c.strip() for c in row[4].split(",")]}
        shown = subprocess.run([BIN, command, "--help"], capture_output=True, text=True, timeout=60).stdout
        listed = set(re.findall(r"^(--[a-z-]+)(?: <[a-z]+>)?:", shown, re.M))
        assert listed == documented, (command, listed ^ documented)
    for wrong, message in [(["--bogus", "1"], "Unknown option '--bogus'"), (["--hubspot-port", "1"], "Unknown option '--hubspot-port'"),
                           (["--port"], "Missing value for '--port'"), (["--port=eighty"], "--port must be a whole number"),
                           (["--no-emulators=yes"], "--no-emulators is a switch and takes no value")]:
        refused = subprocess.run([BIN, "serve", *wrong], capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0 and message in refused.stderr, (wrong, refused.stderr)


def test_flags_win_over_the_environment_which_wins_over_the_file_which_wins_over_defaults(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"port": 9000, "host": "0.0.0.0", "textIdleSeconds": 42, "llm": {"timeoutSeconds": 12}}))
    shown = config("--config-file", str(path), env={"CONTACT_SYNC_PORT": "9100", "CONTACT_SYNC_NO_EMULATORS": "1"})
    assert shown.returncode == 0, shown.stderr
    table = settings(shown.stdout)
    assert table["configFile"] == (str(path), "flag")
    assert table["port"] == ("9100", "environment")
    assert table["host"] == ("0.0.0.0", "file")
    assert table["textIdleSeconds"] == ("42", "file")
    assert table["llm.timeoutSeconds"] == ("12", "file")
    assert table["noEmulators"] == ("true", "environment")
    assert table["retentionDays"] == ("90", "default")
    assert table["publicUrl"] == ("-", None)
    # The file can also be named by the environment.
    by_environment = settings(config(env={"CONTACT_SYNC_CONFIG_FILE": str(path)}).stdout)
    assert by_environment["port"] == ("9000", "file")


def test_secrets_are_redacted_wherever_settings_are_shown(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"hubspot": {"clientId": "app-id", "clientSecret": "file-secret-123"}}))
    shown = config("--config-file", str(path), env={
        "CONTACT_SYNC_API_KEY": "admin-secret-456", "CONTACT_SYNC_DATABASE_URL": "postgres://user:pw-789@db/contacts",
        "CONTACT_SYNC_LLM_API_KEY": "model-secret-000",
    })
    assert shown.returncode == 0, shown.stderr
    for secret in ["file-secret-123", "admin-secret-456", "pw-789", "model-secret-000"]:
        assert secret not in shown.stdout + shown.stderr
    table = settings(shown.stdout)
    assert table["hubspot.clientSecret"] == ("<redacted>", "file")
    assert table["apiKey"] == ("<redacted>", "environment")
    assert table["databaseUrl"] == ("<redacted>", "environment")
    assert table["hubspot.clientId"] == ("app-id", "file")


def test_an_unreadable_value_stops_the_command_and_names_where_it_came_from(tmp_path):
    assert settings(config(env={"CONTACT_SYNC_PORT": "eighty"}).stdout)["port"] == ("<unreadable>", "environment")
    served = subprocess.run([BIN, "serve", "--no-emulators"], env=dict(os.environ, CONTACT_SYNC_PORT="eighty"), capture_output=True, text=True, timeout=60)
    assert served.returncode != 0
    assert "CONTACT_SYNC_PORT must be a whole number" in served.stderr
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"retentionDays": "ninety"}))
    from_file = subprocess.run([BIN, "serve", "--no-emulators", "--config-file", str(path)], capture_output=True, text=True, timeout=60)
    assert from_file.returncode != 0
    assert f"retentionDays in {path} must be a whole number" in from_file.stderr
    for lease in ("0.5", "3601"):
        refused = subprocess.run([BIN, "serve", "--no-emulators", "--data-dir", str(tmp_path)], env=dict(os.environ, CONTACT_SYNC_OFFLINE_LEASE_SECONDS=lease), capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0
        assert "CONTACT_SYNC_OFFLINE_LEASE_SECONDS must be a number of seconds from 1 to 3600" in refused.stderr
    (tmp_path / "broken.json").write_text("port = 8080")
    broken = subprocess.run([BIN, "serve", "--config-file", str(tmp_path / "broken.json")], capture_output=True, text=True, timeout=60)
    assert broken.returncode != 0 and "is not a JSON object of settings" in broken.stderr


def test_serve_listens_where_its_config_file_says(tmp_path):
    server = Server([], "config-file-key")
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"port": server.port, "dataDir": str(tmp_path / "data"), "noEmulators": True}))
    process = start(["serve", "--config-file", str(path)], env={"CONTACT_SYNC_API_KEY": "config-file-key"})
    try:
        wait_until(lambda: _health(server.url("/health")), 60, "serve on the file's port")
        assert (tmp_path / "data" / "contact-sync.sqlite").exists()
        assert requests.get(server.url("/v1/actions"), headers={"Authorization": "Bearer config-file-key"}, timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


def _health(url):
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def test_an_unreachable_database_stops_each_command_with_its_reason_and_never_its_password(tmp_path):
    environment = dict(os.environ, CONTACT_SYNC_DATABASE_URL="postgres://contacts:pw-unreachable-42@127.0.0.1:1/contacts")
    for command in (["serve", "--no-emulators", "--data-dir", str(tmp_path)], ["worker", "--data-dir", str(tmp_path)], ["migrate"]):
        finished = subprocess.run([BIN, *command], env=environment, capture_output=True, text=True, timeout=120)
        assert finished.returncode == 1, (command, finished.returncode, finished.stderr[-2000:])
        assert "contact-sync could not start" in finished.stderr and "Connection refused" in finished.stderr
        assert "pw-unreachable-42" not in finished.stdout + finished.stderr


def test_a_worker_refuses_sqlite_where_serve_owns_the_file(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "CONTACT_SYNC_DATABASE_URL"}
    finished = subprocess.run([BIN, "worker", "--data-dir", str(tmp_path)], env=environment, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 1, (finished.returncode, finished.stderr[-2000:])
    assert "a worker shares the work of serve on PostgreSQL" in finished.stderr
    assert not (tmp_path / "contact-sync.sqlite").exists()


def _event_loop_threads(pid):
    names = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/comm", encoding="utf-8") as comm:
            names.append(comm.read().strip())
    return [name for name in names if name.startswith("NIO-SGLTN")]


def test_event_loops_are_set_from_the_configuration_and_checked(tmp_path):
    refused = subprocess.run([BIN, "serve", "--no-emulators", "--data-dir", str(tmp_path), "--event-loops", "0"], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "--event-loops must be between 1 and 1024" in refused.stderr
    unreadable = subprocess.run([BIN, "emulators"], env=dict(os.environ, CONTACT_SYNC_EVENT_LOOPS="many"), capture_output=True, text=True, timeout=60)
    assert unreadable.returncode != 0 and "CONTACT_SYNC_EVENT_LOOPS must be a whole number" in unreadable.stderr
    for loops, expected in ((["--event-loops", "1"], 1), ([], len(os.sched_getaffinity(0)))):
        server = Server(["--data-dir", str(tmp_path / f"data{expected}"), *loops], "event-loops-key")
        server.start()
        try:
            # One loop is serve's only event loop thread; by default there is one per core.
            wait_until(lambda: len(_event_loop_threads(server.process.pid)) == expected, 30, f"{expected} event loop thread(s)")
            assert server.call("GET", "/v1/actions").status_code == 200
            assert len(_event_loop_threads(server.process.pid)) == expected
        finally:
            server.process.terminate()
            server.process.wait(timeout=30)
