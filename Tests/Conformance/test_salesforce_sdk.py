"""simple-salesforce against the emulated Salesforce.

simple-salesforce always builds https:// URLs; a transport adapter sends them to the emulator's plain
HTTP port instead.
"""
from urllib.parse import urlparse

import pytest
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.format import format_soql


class PlainHTTPAdapter(HTTPAdapter):
    def send(self, request, **kwargs):
        request.url = request.url.replace("https://", "http://", 1)
        return super().send(request, **kwargs)


def client(url, token="test-conformance"):
    port = urlparse(url).port
    session = requests.Session()
    session.trust_env = False
    session.mount(f"https://127.0.0.1:{port}", PlainHTTPAdapter())
    return Salesforce(instance_url=f"https://127.0.0.1:{port}", session_id=token, session=session, version="62.0")


def test_create_query_update_get(salesforce_url):
    sf = client(salesforce_url)
    created = sf.Contact.create({"LastName": "O'Brien", "FirstName": "Siobhan", "Email": "S.OBrien@Example.com"})
    assert created["success"] is True
    contact_id = created["id"]
    assert len(contact_id) == 18 and contact_id.startswith("003")

    result = sf.query(format_soql("SELECT Id, Email, CreatedById, CreatedDate FROM Contact WHERE Email = {} ORDER BY CreatedDate ASC LIMIT 2", "s.obrien@example.com"))
    assert result["totalSize"] == 1
    assert result["records"][0]["Id"] == contact_id
    assert result["records"][0]["CreatedById"].startswith("005")

    assert sf.Contact.update(contact_id, {"Title": "CTO", "Preferred_Channel__c": "Chat"}) == 204
    record = sf.Contact.get(contact_id)
    assert record["Title"] == "CTO"
    assert record["Name"] == "Siobhan O'Brien"
    assert record["attributes"]["type"] == "Contact"


@pytest.mark.parametrize("hostile", [
    "o'brien@example.com",
    "back\\slash@example.com",
    "quote\"d@example.com",
    "percent%_under@example.com",
    "line\nbreak@example.com",
    "x' OR Email != '@example.com",
    "üñí@example.com",
    "' OR LastName LIKE '%",
])
def test_escaped_literals_match_exactly(salesforce_url, hostile):
    sf = client(salesforce_url)
    sf.Contact.create({"LastName": "Other", "Email": "other@example.com"})
    result = sf.query(format_soql("SELECT Id FROM Contact WHERE Email = {}", hostile))
    assert result["totalSize"] == 0
    in_result = sf.query(format_soql("SELECT Id FROM Contact WHERE Email IN {}", [hostile, "nobody@example.com"]))
    assert in_result["totalSize"] == 0


def test_unescaped_quote_is_malformed_query(salesforce_url):
    sf = client(salesforce_url)
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.query("SELECT Id FROM Contact WHERE Email = 'o'brien@example.com'")
    assert error.value.content[0]["errorCode"] == "MALFORMED_QUERY"
    with pytest.raises(SalesforceMalformedRequest) as doubled:
        sf.query("SELECT Id FROM Contact WHERE Email = 'a\\-b@example.com'")
    assert doubled.value.content[0]["errorCode"] == "MALFORMED_QUERY"


def test_describe_lists_standard_and_custom_fields(salesforce_url):
    fields = {field["name"]: field for field in client(salesforce_url).Contact.describe()["fields"]}
    assert fields["Email"]["type"] == "email" and fields["Email"]["length"] == 80
    assert fields["LastName"]["nillable"] is False and fields["LastName"]["createable"] is True
    assert fields["Conversation_Summary__c"]["type"] == "textarea" and fields["Conversation_Summary__c"]["length"] == 131072
    assert fields["Preferred_Channel__c"]["restrictedPicklist"] is True
    assert [value["value"] for value in fields["Preferred_Channel__c"]["picklistValues"]] == ["Email", "Phone", "Chat"]
    assert fields["Birthdate"]["type"] == "date"
    assert fields["Name"]["createable"] is False


def test_sdk_exceptions_for_400_401_404(salesforce_url):
    sf = client(salesforce_url)
    with pytest.raises(SalesforceMalformedRequest) as missing:
        sf.Contact.create({"FirstName": "No last name"})
    assert missing.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    with pytest.raises(SalesforceMalformedRequest) as bad_email:
        sf.Contact.create({"LastName": "X", "Email": "not an email"})
    assert bad_email.value.content[0]["errorCode"] == "INVALID_EMAIL_ADDRESS"
    with pytest.raises(SalesforceMalformedRequest) as picklist:
        sf.Contact.create({"LastName": "X", "Preferred_Channel__c": "Fax"})
    assert picklist.value.content[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    with pytest.raises(SalesforceMalformedRequest) as too_long:
        sf.Contact.create({"LastName": "X" * 81})
    assert too_long.value.content[0]["errorCode"] == "STRING_TOO_LONG"

    with pytest.raises(SalesforceExpiredSession):
        client(salesforce_url, "bogus").query("SELECT Id FROM Contact")

    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get("003Wb0000009999")
    with pytest.raises(SalesforceMalformedRequest) as malformed:
        sf.Contact.get("003Wb000000ZZZZZZZ")
    assert malformed.value.content[0]["errorCode"] == "MALFORMED_ID"


def test_duplicate_rule_and_allow_save_header(salesforce_url):
    sf = client(salesforce_url)
    first = sf.Contact.create({"LastName": "One", "Email": "same@example.com"})
    requests.post(f"{salesforce_url}/_emulator/duplicate-rule", json={"mode": "alert"}, timeout=5).raise_for_status()
    with pytest.raises(SalesforceMalformedRequest) as duplicate:
        sf.Contact.create({"LastName": "Two", "Email": "SAME@example.com"})
    error = duplicate.value.content[0]
    assert error["errorCode"] == "DUPLICATES_DETECTED"
    match = error["duplicateResut"]["matchResults"][0]["matchRecords"][0]["record"]["Id"]
    assert match == first["id"]
    allowed = sf.Contact.create({"LastName": "Two", "Email": "same@example.com"}, headers={"Sforce-Duplicate-Rule-Header": "allowSave=true"})
    assert allowed["success"] is True


def test_collections_and_api_usage(salesforce_url):
    sf = client(salesforce_url)
    body = {"allOrNone": False, "records": [
        {"attributes": {"type": "Contact"}, "LastName": "A", "Email": "a@example.com"},
        {"attributes": {"type": "Contact"}, "FirstName": "no last name"},
    ]}
    results = sf.restful("composite/sobjects", method="POST", json=body)
    assert results[0]["success"] is True
    assert results[1]["success"] is False and results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    usage = sf.api_usage["api-usage"]
    assert usage.used >= 1 and usage.total == 100000


def test_sosl_search_in_phone_fields_matches_whatever_the_formatting(salesforce_url):
    sf = client(salesforce_url)
    first = sf.Contact.create({"LastName": "Formatted", "Phone": "(415) 555-0188"})["id"]
    second = sf.Contact.create({"LastName": "Mobile", "MobilePhone": "+1 415 555 0188"})["id"]
    sf.Contact.create({"LastName": "Other", "Phone": "(415) 555-0100"})
    result = sf.search('FIND {"14155550188" OR "4155550188"} IN PHONE FIELDS RETURNING Contact(Id, Phone, MobilePhone)')
    assert sorted(record["Id"] for record in result["searchRecords"]) == sorted([first, second])
    assert all(record["attributes"]["type"] == "Contact" for record in result["searchRecords"])
    # Reserved characters are escaped with a backslash; an unescaped brace is malformed.
    escaped = sf.search('FIND {\\+14155550188} IN PHONE FIELDS RETURNING Contact(Id)')
    assert sorted(record["Id"] for record in escaped["searchRecords"]) == sorted([first, second])
    with pytest.raises(SalesforceMalformedRequest):
        sf.search("FIND {415} IN PHONE FIELDS RETURNING Contact(Id, NoSuchField__c)")


def test_tasks_log_calls_on_contacts(salesforce_url):
    sf = client(salesforce_url)
    contact = sf.Contact.create({"LastName": "Caller", "Email": "task.caller@example.com"})["id"]
    task = sf.Task.create({
        "WhoId": contact, "Subject": "Call summary", "Description": "Asked about plans.", "TaskSubtype": "Call", "Status": "Completed",
        "CallType": "Inbound", "CallDurationInSeconds": 61, "ActivityDate": "2025-12-05",
    })
    assert task["success"] is True and task["id"].startswith("00T")
    record = sf.Task.get(task["id"])
    assert record["WhoId"] == contact and record["TaskSubtype"] == "Call" and record["CallDurationInSeconds"] == 61
    assert record["attributes"]["type"] == "Task" and record["Priority"] == "Normal"
    assert sf.Task.update(task["id"], {"Description": "Wants the Pro plan."}) == 204
    found = sf.query(format_soql("SELECT Id, Subject FROM Task WHERE WhoId = {} AND Subject = {}", contact, "Call summary"))
    assert [row["Id"] for row in found["records"]] == [task["id"]]
    assert any(field["name"] == "TaskSubtype" for field in sf.Task.describe()["fields"])
    with pytest.raises(SalesforceMalformedRequest):
        sf.Task.update(task["id"], {"TaskSubtype": "Email"})  # set on create only
    with pytest.raises(SalesforceMalformedRequest):
        sf.Task.create({"WhoId": "003000000000000AAA", "Subject": "Orphan"})
