"""Agents connect over MCP: the official Python MCP client against an agent's endpoint (Streamable HTTP) and
through `contact-sync mcp-stdio`, with the contacts checked in the emulators."""
import asyncio

import requests
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamablehttp_client

from support import BIN, Server, audit_get, wait_until

INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "probe", "version": "1"}}}
JSON_ONLY = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def set_up(server, emulators):
    hubspot = server.call("POST", "/v1/accounts", json={"crm": "hubspot", "name": "MCP", "accessToken": "test-mcp", "baseURL": emulators["hubspot"]}).json()["id"]
    salesforce = server.call("POST", "/v1/accounts", json={"crm": "salesforce", "name": "MCP", "accessToken": "test-mcp", "instanceURL": emulators["salesforce"]}).json()["id"]
    assert server.call("POST", "/v1/fields", json={"key": "preferred_channel", "label": "Preferred channel"}).status_code == 201

    def action(body):
        answer = server.call("POST", "/v1/actions", json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()

    live_salesforce = action({"template": "salesforce.upsert_contact", "name": "Save contact to Salesforce", "intent": "Use when the customer shares contact details",
                              "accountId": salesforce, "allowCreate": True, "allowUpdateExisting": False,
                              "mappings": [{"crmField": "Email", "agentField": "email"}, {"crmField": "LastName", "agentField": "last_name"},
                                           {"crmField": "Preferred_Channel__c", "agentField": "preferred_channel"},
                                           {"crmField": "Conversation_Summary__c", "agentField": "summary"}]})
    live_hubspot = action({"template": "hubspot.upsert_contact", "name": "Save contact to HubSpot", "intent": "Use when the customer gives their email",
                           "accountId": hubspot, "allowCreate": True, "allowUpdateExisting": True,
                           "mappings": [{"crmField": "email", "agentField": "email"}, {"crmField": "firstname", "agentField": "first_name"}]})
    offline = action({"template": "hubspot.upsert_contact", "name": "Sync after the call", "intent": "sync", "offlineSync": True, "accountId": hubspot,
                      "mappings": [{"crmField": "email", "agentField": "email"}, {"crmField": "firstname", "agentField": "first_name"}]})
    agent = server.call("POST", "/v1/agents", json={"name": "Voice", "channel": "voice", "actionIds": [live_salesforce["id"], live_hubspot["id"], offline["id"]]}).json()["id"]
    other = server.call("POST", "/v1/agents", json={"name": "Other", "channel": "text", "actionIds": [live_hubspot["id"]]}).json()["id"]
    key = server.call("POST", f"/v1/agents/{agent}/keys").json()["key"]
    other_key = server.call("POST", f"/v1/agents/{other}/keys").json()["key"]
    return agent, key, other_key, live_salesforce, live_hubspot, offline


async def exercise(session, emulators, server, live_salesforce, live_hubspot, offline):
    await session.initialize()
    tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert set(tools) == {live_salesforce["toolName"], live_hubspot["toolName"], "save_conversation_details"}
    salesforce_tool = tools[live_salesforce["toolName"]]
    assert salesforce_tool.title == "Save contact to Salesforce"
    assert salesforce_tool.description == "Use when the customer shares contact details"
    properties = salesforce_tool.inputSchema["properties"]
    assert set(properties) == {"email", "last_name", "preferred_channel", "summary", "conversationId"}
    assert properties["preferred_channel"]["enum"] == ["Email", "Phone", "Chat"]
    assert properties["last_name"]["maxLength"] == 80
    assert sorted(salesforce_tool.inputSchema["required"]) == ["email", "last_name"]
    annotations = salesforce_tool.annotations
    assert (annotations.readOnlyHint, annotations.destructiveHint, annotations.idempotentHint, annotations.openWorldHint) == (False, False, True, True)
    assert tools[live_hubspot["toolName"]].annotations.destructiveHint is True

    created = await session.call_tool(salesforce_tool.name, {"email": "ada@mcp.example", "last_name": "Lovelace", "preferred_channel": "phone", "conversationId": "mcp-call-1"})
    assert not created.isError, created.content
    assert created.structuredContent["outcome"] == "created"
    assert created.content[0].text.startswith("Created the contact in Salesforce.")
    found = audit_get(f"{emulators['salesforce']}/services/data/v62.0/query", q="SELECT Id, LastName, Preferred_Channel__c FROM Contact WHERE Email = 'ada@mcp.example'")
    assert [(r["LastName"], r["Preferred_Channel__c"]) for r in found["records"]] == [("Lovelace", "Phone")]

    arguments = {"email": "grace@mcp.example", "first_name": "Grace", "conversationId": "mcp-call-1"}
    first = await session.call_tool(live_hubspot["toolName"], arguments)
    again = await session.call_tool(live_hubspot["toolName"], arguments)
    assert not first.isError and first.structuredContent["outcome"] == "created"
    assert again.structuredContent["id"] == first.structuredContent["id"], "a repeated call answers the same run"
    contact = audit_get(f"{emulators['hubspot']}/crm/v3/objects/contacts/grace@mcp.example", idProperty="email", properties="firstname")
    assert contact["properties"]["firstname"] == "Grace"

    missing = await session.call_tool(salesforce_tool.name, {"last_name": "Nobody"})
    assert missing.isError
    assert "Missing required arguments: email" in missing.content[0].text

    saved = await session.call_tool("save_conversation_details", {"conversationId": "mcp-call-2", "email": "later@mcp.example", "first_name": "Late", "summary": "Called about pricing."})
    assert not saved.isError, saved.content
    server.call("POST", "/v1/conversations/mcp-call-2/end")
    wait_until(lambda: any(run["status"] == "succeeded" for run in server.call("GET", "/v1/runs", params={"conversationId": "mcp-call-2", "actionId": offline["id"]}).json()["items"]),
               30, "the offline run fed by save_conversation_details")
    synced = audit_get(f"{emulators['hubspot']}/crm/v3/objects/contacts/later@mcp.example", idProperty="email", properties="firstname")
    assert synced["properties"]["firstname"] == "Late"


def test_an_agent_uses_its_tools_over_mcp(emulators, tmp_path):
    server = Server(["--data-dir", str(tmp_path)], key="mcp-admin")
    server.start()
    try:
        agent, key, other_key, live_salesforce, live_hubspot, offline = set_up(server, emulators)
        url = server.url(f"/v1/agents/{agent}/mcp")

        async def over_http():
            async with streamablehttp_client(url, headers={"Authorization": f"Bearer {key}"}) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await exercise(session, emulators, server, live_salesforce, live_hubspot, offline)

        asyncio.run(over_http())

        refused = requests.post(url, json=INITIALIZE, headers={**JSON_ONLY, "Authorization": "Bearer not-a-key"}, timeout=10)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
        foreign = requests.post(url, json=INITIALIZE, headers={**JSON_ONLY, "Authorization": f"Bearer {other_key}"}, timeout=10)
        assert foreign.status_code == 403
        assert requests.get(url, headers={**JSON_ONLY, "Authorization": f"Bearer {key}"}, timeout=10).status_code == 405
        assert requests.post(url, json=INITIALIZE, headers={**JSON_ONLY, "Authorization": "Bearer mcp-admin"}, timeout=10).status_code == 200
        assert requests.get(server.url("/v1/actions"), headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code == 403
    finally:
        server.stop()


def test_a_stdio_host_uses_the_tools_through_mcp_stdio(emulators, tmp_path):
    server = Server(["--data-dir", str(tmp_path)], key="mcp-admin")
    server.start()
    try:
        agent, key, _, live_salesforce, _, _ = set_up(server, emulators)
        bridge = StdioServerParameters(command=BIN, args=["mcp-stdio", "--url", server.url(""), "--agent", agent], env={"CONTACT_SYNC_AGENT_KEY": key})

        async def over_stdio():
            async with stdio_client(bridge) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    names = {tool.name for tool in (await session.list_tools()).tools}
                    assert live_salesforce["toolName"] in names
                    result = await session.call_tool(live_salesforce["toolName"], {"email": "stdio@mcp.example", "last_name": "Bridge", "conversationId": "stdio-1"})
                    assert not result.isError, result.content
                    assert result.structuredContent["outcome"] == "created"
                    missing = await session.call_tool(live_salesforce["toolName"], {"last_name": "Bridge"})
                    assert missing.isError

        asyncio.run(over_stdio())
        found = audit_get(f"{emulators['salesforce']}/services/data/v62.0/query", q="SELECT Id FROM Contact WHERE Email = 'stdio@mcp.example'")
        assert found["totalSize"] == 1
    finally:
        server.stop()
