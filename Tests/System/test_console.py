"""The operator console in a real browser: Debian's chromium-headless-shell driven by Playwright (pinned to the
release whose browser build matches it), against `contact-sync serve` with its built-in emulators. Every page
is saved as a screenshot under .build/console-screenshots; any console error in a page fails the test."""
import os
import re
import tempfile

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from support import _up, audit_get, free_port, start, wait_until

CHROMIUM = os.environ.get("CONTACT_SYNC_CHROMIUM", "/usr/lib/chromium/chromium-headless-shell")
SHOTS = os.path.join(".build", "console-screenshots")
KEY = "console-admin-key"


@pytest.fixture
def console():
    """`serve` with the built-in emulators, one try per CRM call and no retry window (so a failing CRM fails a
    run at once, for the console's Retry)."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="contact-sync-console-", suffix=".log", delete=False)
    data = tempfile.mkdtemp(prefix="contact-sync-console-")
    process = start(["serve", "--port", str(port), "--data-dir", data],
                    env={"CONTACT_SYNC_API_KEY": KEY, "CONTACT_SYNC_CRM_MAX_ATTEMPTS": "1", "CONTACT_SYNC_RETRY_WINDOW_SECONDS": "0"}, log=log)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: _up(base + "/health"), 60, "contact-sync serve")
    with open(log.name) as text:
        found = re.search(r"HubSpot at (\S+), Salesforce at (\S+?)\. Turn them off", text.read())
    assert found, "serve did not announce its emulators"
    yield {"base": base, "hubspot": found.group(1).rstrip(","), "salesforce": found.group(2)}
    process.terminate()
    process.wait(timeout=30)


def api(console, method, path, **kwargs):
    answer = requests.request(method, console["base"] + path, headers={"Authorization": f"Bearer {KEY}"}, timeout=30, **kwargs)
    assert answer.status_code < 500, answer.text
    return answer


class Pages:
    """A browser page that records console errors and saves a screenshot of every page it is shown."""

    def __init__(self, page, base):
        self.page, self.base, self.errors, self.count = page, base, [], 0
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        os.makedirs(SHOTS, exist_ok=True)

    def shot(self, name):
        self.count += 1
        self.page.screenshot(path=os.path.join(SHOTS, f"{self.count:02d}-{name}.png"), full_page=True)

    def go(self, path):
        self.page.goto(self.base + path)

    def nav(self, label):
        self.page.get_by_role("navigation", name="Console").get_by_role("link", name=label, exact=True).click()


def configure_salesforce(pages):
    page = pages.page
    pages.nav("Action Library")
    pages.shot("action-library")
    page.get_by_role("link", name="Salesforce - create or update contact").click()
    page.get_by_role("textbox", name="Action name").fill("Save caller to Salesforce")
    page.get_by_role("textbox", name="Intent", exact=True).fill("Use when the caller shares their name and email.")
    expect(page.get_by_role("combobox", name="Account")).to_have_value(re.compile(r"^acc_"))
    page.get_by_role("checkbox", name="Allow creating and updating new contacts").check()
    page.get_by_role("checkbox", name="Allow updating existing fields").uncheck()
    first = page.get_by_role("group", name="Mapping 1")
    expect(first.get_by_label("CRM field")).to_have_value("Email")
    expect(first.get_by_label("Agent field")).to_have_value("email")
    # Unsupported fields are listed, disabled, with their reason.
    assert first.locator("select[name=crmField] option[disabled]").count() > 0
    expect(page.get_by_role("group", name="Mapping 2").get_by_label("CRM field")).to_have_value("LastName")

    # An agent field created inline, then mapped on a new row.
    page.get_by_text("Create an agent field").click()
    page.get_by_label("New agent field key").fill("preferred_channel")
    page.get_by_label("New agent field label").fill("Preferred channel")
    page.get_by_role("button", name="Create agent field").click()
    expect(page.get_by_role("status")).to_contain_text("Agent field preferred_channel created.")
    page.get_by_role("button", name="Map field").click()
    third = page.get_by_role("group", name="Mapping 3")
    third.get_by_label("CRM field").select_option("Preferred_Channel__c")
    third.get_by_label("Agent field").select_option("preferred_channel")

    # The required LastName mapping left out: the problem is shown in words, nothing is saved.
    page.get_by_role("group", name="Mapping 2").get_by_label("CRM field").select_option("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("LastName")
    pages.shot("configuration-problem")
    page.get_by_role("group", name="Mapping 2").get_by_label("CRM field").select_option("LastName")
    page.get_by_role("group", name="Mapping 2").get_by_label("Agent field").select_option("last_name")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(page.get_by_role("button", name="Edit action intent")).to_be_visible()
    pages.shot("configuration")
    return page.url.split("/console/actions/")[1].split("?")[0]


def configure_hubspot(pages):
    page = pages.page
    pages.nav("Action Library")
    page.get_by_role("link", name="HubSpot — create or update contact").click()
    page.get_by_role("textbox", name="Action name").fill("Save caller to HubSpot")
    page.get_by_role("textbox", name="Intent", exact=True).fill("Use when the caller gives an email address.")
    page.get_by_role("checkbox", name="Allow updating existing fields").check()
    page.get_by_role("button", name="Map field").click()
    second = page.get_by_role("group", name="Mapping 2")
    second.get_by_label("CRM field").select_option("firstname")
    second.get_by_label("Agent field").select_option("first_name")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    return page.url.split("/console/actions/")[1].split("?")[0]


def connect_emulator(pages, crm, name):
    page = pages.page
    pages.nav("Accounts")
    form = page.locator("form", has=page.get_by_role("button", name="Connect emulator"))
    form.get_by_label("CRM").select_option(crm)
    form.get_by_label("Account name").fill(name)
    form.get_by_role("button", name="Connect emulator").click()
    expect(page.get_by_role("status")).to_contain_text(f"Connected {name}.")


def test_console_end_to_end(console):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        pages = Pages(context.new_page(), console["base"])
        page = pages.page

        # Sign in.
        pages.go("/console")
        expect(page).to_have_url(re.compile(r"/console/login$"))
        pages.shot("login")
        page.get_by_label("API key").fill(KEY)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()

        # Accounts: both emulators.
        connect_emulator(pages, "salesforce", "Salesforce sandbox")
        connect_emulator(pages, "hubspot", "HubSpot sandbox")
        pages.shot("accounts")

        # Both actions through the five steps.
        salesforce_action = configure_salesforce(pages)
        hubspot_action = configure_hubspot(pages)
        pages.nav("Agent fields")
        expect(page.get_by_role("cell", name="preferred_channel", exact=True)).to_be_visible()
        pages.shot("agent-fields")

        # An agent with both actions; its tools and MCP URL are shown.
        pages.nav("Agents")
        page.get_by_label("Agent name").fill("Front desk")
        page.get_by_label("Save caller to Salesforce").check()
        page.get_by_label("Save caller to HubSpot").check()
        page.get_by_role("button", name="Create agent").click()
        expect(page.get_by_text("/mcp")).to_be_visible()
        page.get_by_role("button", name="Create agent key").click()
        expect(page.get_by_role("status")).to_contain_text("csa_")
        pages.shot("agents")

        # A run the API triggered, explained on its page.
        run = api(console, "POST", f"/v1/actions/{salesforce_action}/runs",
                  json={"fields": {"email": "ada@console.example", "first_name": "Ada", "last_name": "Lovelace"}, "summary": "Asked for a demo."}).json()
        assert run["status"] == "succeeded", run
        pages.nav("Runs")
        page.get_by_role("link", name="Created").first.click()
        expect(page.get_by_role("heading", name="Created")).to_be_visible()
        expect(page.get_by_text("No contact in Salesforce had this email; Allow creating and updating new contacts is ON, so contact-sync created one.")).to_be_visible()
        expect(page.get_by_role("row", name=re.compile(r"Email .*ada@console\.example.*Written"))).to_be_visible()
        pages.shot("run")

        # A run that failed while the CRM was down; retried from its page once it is back.
        requests.post(console["salesforce"] + "/_emulator/faults", json={"rate5xx": 1.0}, timeout=5).raise_for_status()
        failed = api(console, "POST", f"/v1/actions/{salesforce_action}/runs",
                     json={"fields": {"email": "grace@console.example", "last_name": "Hopper"}}).json()
        assert failed["status"] == "failed", failed
        requests.post(console["salesforce"] + "/_emulator/faults", json={"rate5xx": 0}, timeout=5).raise_for_status()
        pages.nav("Runs")
        page.get_by_label("Status").select_option("failed")
        expect(page.get_by_role("link", name="Created")).to_have_count(0)
        pages.shot("runs-failed")
        page.get_by_role("link", name="Failed").click()
        expect(page.get_by_role("heading", name="Failed")).to_be_visible()
        page.get_by_role("button", name="Retry").click()
        expect(page.get_by_role("heading", name="Created")).to_be_visible()
        assert api(console, "GET", f"/v1/runs/{failed['id']}").json()["status"] == "succeeded"

        # Several failed runs retried at once from the list.
        requests.post(console["salesforce"] + "/_emulator/faults", json={"rate5xx": 1.0}, timeout=5).raise_for_status()
        more = [api(console, "POST", f"/v1/actions/{salesforce_action}/runs", json={"fields": {"email": f"bulk{i}@console.example", "last_name": "Bulk"}}).json()
                for i in range(2)]
        assert [run["status"] for run in more] == ["failed", "failed"], more
        requests.post(console["salesforce"] + "/_emulator/faults", json={"rate5xx": 0}, timeout=5).raise_for_status()
        pages.go("/console/runs?status=failed")
        for run in more:
            page.get_by_label(f"Select run {run['id']}").check()
        page.get_by_role("button", name="Retry selected").click()
        expect(page.get_by_role("heading", name="Retried 2 runs")).to_be_visible()
        assert [api(console, "GET", f"/v1/runs/{run['id']}").json()["status"] for run in more] == ["succeeded", "succeeded"]

        # Preview: the HubSpot action against a stored conversation, as a dry run.
        agent = api(console, "GET", "/v1/agents").json()["items"][0]["id"]
        conversation = api(console, "POST", "/v1/conversations", json={"agentId": agent}).json()["id"]
        api(console, "POST", f"/v1/conversations/{conversation}/messages", json={"role": "customer", "text": "I'm Linus, linus@console.example."})
        api(console, "PATCH", f"/v1/conversations/{conversation}/attributes", json={"email": "linus@console.example", "first_name": "Linus"})
        pages.nav("Conversations")
        page.get_by_role("link", name=conversation).click()
        expect(page.get_by_text("I'm Linus, linus@console.example.")).to_be_visible()
        pages.shot("conversation")
        pages.nav("Runs")
        page.get_by_label("Preview action").select_option(hubspot_action)
        page.get_by_label("Preview conversation").select_option(conversation)
        page.get_by_role("button", name="Preview dry run").click()
        expect(page.get_by_text("Dry run")).to_be_visible()
        expect(page.get_by_role("heading", name=re.compile("Created"))).to_be_visible()
        pages.shot("preview")
        emails = [c["properties"].get("email") for c in audit_get(console["hubspot"] + "/crm/v3/objects/contacts", limit=100, properties="email")["results"]]
        assert "linus@console.example" not in emails, "a dry run wrote to the CRM"

        pages.nav("Overview")
        expect(page.get_by_role("img", name=re.compile("Runs per hour"))).to_be_visible()
        pages.shot("overview")

        # Readable at phone width.
        page.set_viewport_size({"width": 390, "height": 844})
        pages.go(f"/console/actions/{salesforce_action}")
        pages.shot("configuration-phone")
        page.set_viewport_size({"width": 1280, "height": 800})

        # Sign out: the session is gone.
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_label("API key")).to_be_visible()
        pages.go("/console/runs")
        expect(page).to_have_url(re.compile(r"/console/login$"))

        browser.close()
        assert pages.errors == [], pages.errors
