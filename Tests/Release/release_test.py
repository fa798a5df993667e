#!/usr/bin/env python3
"""The release artifact stands alone: unpacked into a minimal Debian root with no Swift toolchain, it
serves, syncs with both emulated CRMs, migrates, and stops cleanly on SIGTERM.

    release_test.py --tarball dist/contact-sync-….tar.gz --root ROOTFS.tar [--report report.json]

ROOTFS.tar is a `debootstrap --variant=minbase` root (scripts/release-test makes and caches it). Each
command runs in that root through `unshare --mount` and `chroot` (the same process, so signals reach it),
with /proc mounted in the new mount namespace only; the network is the host's, so the test reaches the
server on 127.0.0.1. Needs root. Prints each check and the figures: size, start time to /ready, resident
memory idle and after load.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request

GRACE_SECONDS = 30
LIBC_FAMILY = re.compile(r"^(linux-vdso\.so|libc\.so|libm\.so|libpthread\.so|libdl\.so|librt\.so|ld-linux[-\w.]*\.so|/lib64/ld-linux)")


def check(condition, what):
    if not condition:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok  {what}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Root:
    """The unpacked root with the release in /usr/local/bin and /etc/contact-sync."""

    def __init__(self, rootfs_tar, release_dir, workdir):
        self.path = os.path.join(workdir, "root")
        os.makedirs(self.path)
        subprocess.run(["tar", "-C", self.path, "-xf", rootfs_tar], check=True)
        shutil.copy2(os.path.join(release_dir, "contact-sync"), os.path.join(self.path, "usr/local/bin/contact-sync"))
        os.makedirs(os.path.join(self.path, "etc/contact-sync"), exist_ok=True)
        shutil.copy2(os.path.join(release_dir, "contact-sync.example.json"), os.path.join(self.path, "etc/contact-sync/contact-sync.json"))
        os.makedirs(os.path.join(self.path, "var/lib/contact-sync"), exist_ok=True)

    def command(self, args, env=None):
        """argv that runs `args` inside the root, with a clean environment plus `env`."""
        settings = " ".join(f"{key}={value}" for key, value in (env or {}).items())
        inner = f"mount -t proc proc {self.path}/proc && exec chroot {self.path} /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin {settings} " + " ".join(args)
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", inner]

    def run(self, args, env=None):
        return subprocess.run(self.command(args, env), capture_output=True, text=True, timeout=120)


def request(method, url, key=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            text = answer.read().decode()
            return answer.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        return error.code, json.loads(text) if text.startswith("{") else text


def resident_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def in_conversation_run(base, key, crm, index):
    """One emulated account, action, agent and conversation; the action runs mid-conversation."""
    status, account = request("POST", f"{base}/v1/accounts", key, {"crm": crm, "emulator": True})
    check(status == 201, f"{crm}: an emulated account is connected ({status})") if index == 0 else None
    if crm == "hubspot":
        template, mappings = "hubspot.upsert_contact", [
            {"crmField": "email", "agentField": "email"}, {"crmField": "firstname", "agentField": "first_name"},
            {"crmField": "ai_conversation_summary", "agentField": "summary"}]
    else:
        template, mappings = "salesforce.upsert_contact", [
            {"crmField": "Email", "agentField": "email"}, {"crmField": "LastName", "agentField": "last_name"},
            {"crmField": "Conversation_Summary__c", "agentField": "summary"}]
    status, action = request("POST", f"{base}/v1/actions", key, {
        "template": template, "name": f"Save to {crm} {index}", "intent": "Use when the customer shares contact details",
        "accountId": account["id"], "allowCreate": True, "allowUpdateExisting": True, "mappings": mappings})
    assert status == 201, action
    status, agent = request("POST", f"{base}/v1/agents", key, {"name": f"Chat {crm} {index}", "channel": "text", "actionIds": [action["id"]]})
    assert status == 201, agent
    conversation = f"release-{crm}-{index}"
    request("POST", f"{base}/v1/conversations", key, {"id": conversation, "agentId": agent["id"]})
    request("PATCH", f"{base}/v1/conversations/{conversation}/attributes", key,
            {"email": f"person{index}@{crm}.example", "first_name": "Dana", "last_name": f"Whitaker{index}"})
    request("PUT", f"{base}/v1/conversations/{conversation}/summary", key, {"text": "Asked about pricing."})
    return request("POST", f"{base}/v1/actions/{action['id']}/runs", key, {"conversationId": conversation})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tarball", required=True)
    parser.add_argument("--root", required=True, help="a debootstrap minbase root as a tar file")
    parser.add_argument("--report")
    parser.add_argument("--load-runs", type=int, default=200)
    options = parser.parse_args()
    check(os.geteuid() == 0, "runs as root (chroot and mount namespaces)")
    report = {"tarballBytes": os.path.getsize(options.tarball)}
    work = tempfile.mkdtemp(prefix="contact-sync-release-")
    try:
        with tarfile.open(options.tarball) as tar:
            tar.extractall(work, filter="data")
        release = os.path.join(work, [name for name in os.listdir(work) if name.startswith("contact-sync-")][0])
        for name in ["contact-sync", "contact-sync.service", "contact-sync.example.json", "LICENSE", "NOTICE", "README.md"]:
            check(os.path.exists(os.path.join(release, name)), f"the tarball holds {name}")
        checksum = open(options.tarball + ".sha256").read().split()[0]
        actual = subprocess.run(["sha256sum", options.tarball], capture_output=True, text=True, check=True).stdout.split()[0]
        check(checksum == actual, "the checksum file matches the tarball")
        report["binaryBytes"] = os.path.getsize(os.path.join(release, "contact-sync"))
        root = Root(options.root, release, work)

        # Nothing of Swift in the root: the binary brings all of it.
        found = subprocess.run(["find", root.path, "-name", "libswiftCore.so*", "-o", "-name", "libFoundation*.so*", "-o", "-name", "swift"],
                               capture_output=True, text=True).stdout.strip()
        check(found == "", "the root has no Swift toolchain or runtime")
        linked = root.run(["ldd", "/usr/local/bin/contact-sync"])
        libraries = [line.strip() for line in linked.stdout.splitlines() if line.strip()]
        check(linked.returncode == 0 and libraries and all(LIBC_FAMILY.match(line) for line in libraries),
              "ldd lists only the C library family: " + ", ".join(line.split()[0] for line in libraries))

        version = root.run(["contact-sync", "--version"])
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip()
        check(version.returncode == 0 and commit and commit in version.stdout, f"--version names the release and the commit: {version.stdout.strip()}")
        configured = root.run(["contact-sync", "config", "--config-file", "/etc/contact-sync/contact-sync.json"])
        check(configured.returncode == 0 and "(file)" in configured.stdout, "the example configuration file is read")
        unit = open(os.path.join(release, "contact-sync.service")).read()
        stop_timeout = int(re.search(r"^TimeoutStopSec=(\d+)", unit, re.M).group(1))
        check(stop_timeout > GRACE_SECONDS, f"the unit's stop timeout ({stop_timeout} s) is longer than the grace period ({GRACE_SECONDS} s)")
        unit_settings = dict(re.findall(r"^Environment=(\w+)=(\S+)", unit, re.M))
        checked = root.run(["contact-sync", "config"], env=unit_settings)
        check(checked.returncode == 0 and "/var/lib/contact-sync (environment)" in checked.stdout, "the unit's environment names settings contact-sync reads")

        migrated = root.run(["contact-sync", "migrate", "--data-dir", "/var/lib/contact-sync"])
        check(migrated.returncode == 0, f"contact-sync migrate works ({migrated.stdout.strip() or migrated.stderr.strip()})")
        again = root.run(["contact-sync", "migrate", "--data-dir", "/var/lib/contact-sync"])
        check(again.returncode == 0, "a second migrate finds nothing to do and succeeds")

        port = free_port()
        key = "csk_release_test_key_0123456789"
        log_path = os.path.join(work, "serve.log")
        with open(log_path, "w") as log:
            started = time.monotonic()
            server = subprocess.Popen(root.command(
                ["contact-sync", "serve", "--data-dir", "/var/lib/contact-sync", "--port", str(port), "--log-format", "json"],
                env={"CONTACT_SYNC_API_KEY": key}), stdout=log, stderr=subprocess.STDOUT)
            base = f"http://127.0.0.1:{port}"
            ready = None
            while time.monotonic() - started < 60 and server.poll() is None:
                try:
                    if request("GET", f"{base}/ready")[0] == 200:
                        ready = time.monotonic() - started
                        break
                except OSError:
                    pass
                time.sleep(0.01)
            check(ready is not None, "serve answers /ready")
            report["startToReadySeconds"] = round(ready, 3)
            check(request("GET", f"{base}/health")[0] == 200, "serve answers /health")
            time.sleep(1)
            report["residentIdleMiB"] = round(resident_kib(server.pid) / 1024, 1)

            for crm in ["hubspot", "salesforce"]:
                status, run = in_conversation_run(base, key, crm, 0)
                check(status == 200 and run.get("status") == "succeeded" and run.get("crmRecordId"),
                      f"{crm}: an in-conversation run against the emulated CRM succeeds ({run.get('outcome')})")

            # Load: runs from eight clients at once, both CRMs.
            load_started = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
                results = list(pool.map(lambda i: in_conversation_run(base, key, "hubspot" if i % 2 else "salesforce", i + 1), range(options.load_runs)))
            succeeded = sum(1 for status, run in results if status == 200 and run.get("status") == "succeeded")
            check(succeeded == options.load_runs, f"{succeeded} of {options.load_runs} runs under load succeed")
            report["loadRuns"] = options.load_runs
            report["loadSeconds"] = round(time.monotonic() - load_started, 2)
            report["residentAfterLoadMiB"] = round(resident_kib(server.pid) / 1024, 1)

            stopping = time.monotonic()
            server.send_signal(signal.SIGTERM)
            try:
                code = server.wait(timeout=GRACE_SECONDS + 5)
            except subprocess.TimeoutExpired:
                server.kill()
                raise SystemExit("FAILED: SIGTERM did not stop serve within the grace period")
            report["stopSeconds"] = round(time.monotonic() - stopping, 3)
            check(code == 0, f"SIGTERM stops serve with exit code 0 in {report['stopSeconds']} s")
        entries = []
        for line in open(log_path).read().splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                pass  # the start-up announcements are plain text
        check(any(entry.get("message") == "offline sync stopped" for entry in entries), "the log was read: the stop is logged, in JSON")
        errors = [entry for entry in entries if entry.get("level") in ("error", "critical")]
        check(not errors, "a clean stop logs no error line" + ("" if not errors else f": {errors[0]}"))
    finally:
        subprocess.run(["umount", "-R", os.path.join(work, "root", "proc")], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, indent=2))
    if options.report:
        with open(options.report, "w") as out:
            json.dump(report, out, indent=2)


if __name__ == "__main__":
    main()
