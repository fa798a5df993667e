"""HubSpot's official Python SDK (hubspot-api-client) against the emulated HubSpot."""

import pytest
import requests
from hubspot import HubSpot
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.contacts.exceptions import NotFoundException, UnauthorizedException
from hubspot.crm.objects.notes import (
    AssociationSpec,
    PublicAssociationsForObject,
    PublicObjectId,
    SimplePublicObjectInputForCreate as NoteInput,
)
from hubspot.crm.properties import ApiException as PropertiesApiException, PropertyCreate


def client(url, token="test-conformance"):
    return HubSpot(access_token=token, host=url)


def create(api, **properties):
    return api.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties=properties, associations=[]))


def test_create_read_by_email_and_update(hubspot_url):
    api = client(hubspot_url)
    created = create(api, email="Jane.Doe@Example.com", firstname="Jane")
    assert created.id.isdigit()
    assert created.properties["email"] == "jane.doe@example.com"
    assert created.properties["hs_object_source"] == "INTEGRATION"
    assert created.properties["hs_object_source_id"].isdigit()

    found = api.crm.contacts.basic_api.get_by_id("JANE.DOE@example.com", id_property="email", properties=["firstname", "email"])
    assert found.id == created.id
    assert found.properties["firstname"] == "Jane"

    updated = api.crm.contacts.basic_api.update(created.id, SimplePublicObjectInput(properties={"lastname": "Doe"}))
    assert updated.properties["lastname"] == "Doe"
    again = api.crm.contacts.basic_api.get_by_id(created.id, properties=["firstname", "lastname"])
    assert again.properties["firstname"] == "Jane" and again.properties["lastname"] == "Doe"


def test_each_test_token_is_its_own_app(hubspot_url):
    first = create(client(hubspot_url, "test-app-one"), email="one@example.com")
    second = create(client(hubspot_url, "test-app-two"), email="two@example.com")
    assert first.properties["hs_object_source_id"] != second.properties["hs_object_source_id"]


def test_search_by_email_including_additional_emails(hubspot_url):
    api = client(hubspot_url)
    created = create(api, email="primary@example.com", hs_additional_emails="other@example.com;alias@example.com")
    request = PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=[Filter(property_name="email", operator="EQ", value="ALIAS@example.com")])],
        properties=["email"], limit=10,
    )
    result = api.crm.contacts.search_api.do_search(public_object_search_request=request)
    assert result.total == 1
    assert result.results[0].id == created.id


def test_batch_upsert_and_batch_read_by_email(hubspot_url):
    api = client(hubspot_url)
    existing = create(api, email="known@example.com", firstname="Old")
    inputs = [
        SimplePublicObjectBatchInputUpsert(id="known@example.com", id_property="email", properties={"firstname": "New"}),
        SimplePublicObjectBatchInputUpsert(id="fresh@example.com", id_property="email", properties={"firstname": "Fresh"}),
    ]
    result = api.crm.contacts.batch_api.upsert(BatchInputSimplePublicObjectBatchInputUpsert(inputs=inputs))
    by_id = {item.id: item for item in result.results}
    assert by_id[existing.id].new is False
    assert by_id[existing.id].properties["firstname"] == "New"
    fresh = [item for item in result.results if item.new]
    assert len(fresh) == 1 and fresh[0].properties["email"] == "fresh@example.com"

    read = api.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            id_property="email", properties=["firstname"], properties_with_history=[],
            inputs=[SimplePublicObjectId(id="known@example.com"), SimplePublicObjectId(id="fresh@example.com")],
        )
    )
    assert {item.properties["firstname"] for item in read.results} == {"New", "Fresh"}


def create_note(api, contact_id, body):
    """A note on the contact, associated as it is created."""
    return api.crm.objects.notes.basic_api.create(
        NoteInput(
            properties={"hs_timestamp": "2026-11-22T10:00:00Z", "hs_note_body": body},
            associations=[
                PublicAssociationsForObject(
                    to=PublicObjectId(id=contact_id),
                    types=[AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=202)],
                )
            ],
        )
    )


def test_note_with_association_is_readable_from_the_contact(hubspot_url):
    api = client(hubspot_url)
    contact = create(api, email="noted@example.com")
    note = create_note(api, contact.id, "Asked about pricing.")
    assert note.properties["hs_note_body"] == "Asked about pricing."
    with_notes = api.crm.contacts.basic_api.get_by_id(contact.id, associations=["notes"])
    assert [item.id for item in with_notes.associations["notes"].results] == [note.id]
    read_note = api.crm.objects.notes.basic_api.get_by_id(note.id, associations=["contacts"])
    assert [item.id for item in read_note.associations["contacts"].results] == [contact.id]


def test_note_associations_of_many_contacts_are_read_in_one_batch(hubspot_url):
    from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest, PublicFetchAssociationsBatchRequest

    api = client(hubspot_url)
    noted, plain = create(api, email="batch-noted@example.com"), create(api, email="batch-plain@example.com")
    note = create_note(api, noted.id, "Asked for a call back.")
    page = api.crm.associations.v4.batch_api.get_page(
        "contacts", "notes",
        batch_input_public_fetch_associations_batch_request=BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=noted.id), PublicFetchAssociationsBatchRequest(id=plain.id)]
        ),
    )
    assert [(result._from.id, [to.to_object_id for to in result.to]) for result in page.results] == [(noted.id, [note.id])]
    assert page.results[0].to[0].association_types[0].type_id == 202


def test_property_listing_and_custom_property(hubspot_url):
    api = client(hubspot_url)
    names = {prop.name: prop for prop in api.crm.properties.core_api.get_all("contacts").results}
    assert {"email", "firstname", "ai_conversation_summary", "preferred_language", "nps_score", "hs_object_source_id"} <= set(names)
    assert names["hs_object_id"].modification_metadata.read_only_value is True
    assert names["ai_conversation_summary"].field_type == "textarea"
    created = api.crm.properties.core_api.create(
        "contacts",
        PropertyCreate(name="favourite_colour", label="Favourite colour", type="string", field_type="text", group_name="contactinformation"),
    )
    assert created.name == "favourite_colour"
    with pytest.raises(PropertiesApiException) as duplicate:
        api.crm.properties.core_api.create(
            "contacts",
            PropertyCreate(name="favourite_colour", label="Again", type="string", field_type="text", group_name="contactinformation"),
        )
    assert duplicate.value.status == 409


def test_sdk_exceptions_for_400_401_404_409(hubspot_url):
    api = client(hubspot_url)
    with pytest.raises(ApiException) as bad:
        create(api, email="not-an-email")
    assert bad.value.status == 400
    assert "INVALID_EMAIL" in bad.value.body

    with pytest.raises(UnauthorizedException):
        create(client(hubspot_url, "not-a-test-token"), email="x@example.com")

    with pytest.raises(NotFoundException):
        api.crm.contacts.basic_api.get_by_id("nobody@example.com", id_property="email")

    first = create(api, email="dup@example.com")
    with pytest.raises(ApiException) as conflict:
        create(api, email="DUP@example.com")
    assert conflict.value.status == 409
    assert f"Existing ID: {first.id}" in conflict.value.body


def test_expired_token_is_refused_with_expired_authentication(hubspot_url):
    api = client(hubspot_url, "test-expiring")
    create(api, email="before@example.com")
    requests.post(f"{hubspot_url}/_emulator/tokens/test-expiring/expire", json={}, timeout=5).raise_for_status()
    with pytest.raises(UnauthorizedException) as expired:
        create(api, email="after@example.com")
    assert "EXPIRED_AUTHENTICATION" in expired.value.body


def test_rate_limit_headers_and_429(hubspot_url):
    headers = {"Authorization": "Bearer test-ratelimit"}
    response = requests.get(f"{hubspot_url}/crm/v3/objects/contacts", headers=headers, timeout=5)
    assert response.headers["X-HubSpot-RateLimit-Max"] == "110"
    assert response.headers["X-HubSpot-RateLimit-Remaining"] == "109"
    for _ in range(109):
        requests.get(f"{hubspot_url}/crm/v3/objects/contacts", headers=headers, timeout=5)
    limited = requests.get(f"{hubspot_url}/crm/v3/objects/contacts", headers=headers, timeout=5)
    assert limited.status_code == 429
    assert limited.json()["policyName"] == "TEN_SECONDLY_ROLLING"


def test_search_by_phone_on_the_searchable_phone_properties(hubspot_url):
    api = client(hubspot_url)
    formatted = create(api, phone="+1 (415) 555-0199", firstname="Formatted")
    national = create(api, mobilephone="415.555.0199", firstname="Mobile")
    create(api, phone="+44 20 7183 8750", firstname="Elsewhere")
    request = PublicObjectSearchRequest(
        filter_groups=[
            FilterGroup(filters=[Filter(property_name="hs_searchable_calculated_international_phone_number", operator="EQ", value="14155550199")]),
            FilterGroup(filters=[Filter(property_name="hs_searchable_calculated_international_mobile_number", operator="EQ", value="14155550199")]),
        ],
        properties=["phone", "mobilephone", "hs_searchable_calculated_international_phone_number"], limit=10,
    )
    result = api.crm.contacts.search_api.do_search(public_object_search_request=request)
    assert sorted(r.id for r in result.results) == sorted([formatted.id, national.id])
    found = next(r for r in result.results if r.id == formatted.id)
    assert found.properties["phone"] == "+1 (415) 555-0199"
    assert found.properties["hs_searchable_calculated_international_phone_number"] == "14155550199"


def test_calls_are_created_in_batches_associated_and_updated(hubspot_url):
    from hubspot.crm.objects.calls import (
        AssociationSpec as CallAssociationSpec,
        BatchInputSimplePublicObjectBatchInput,
        BatchInputSimplePublicObjectBatchInputForCreate,
        PublicAssociationsForObject as CallAssociations,
        PublicObjectId as CallTarget,
        SimplePublicObjectBatchInput,
        SimplePublicObjectBatchInputForCreate,
        SimplePublicObjectInput as CallUpdate,
    )
    api = client(hubspot_url)
    contact = create(api, email="caller@example.com")
    association = CallAssociations(to=CallTarget(id=contact.id), types=[CallAssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=194)])
    created = api.crm.objects.calls.batch_api.create(BatchInputSimplePublicObjectBatchInputForCreate(inputs=[
        SimplePublicObjectBatchInputForCreate(properties={
            "hs_timestamp": "2025-12-05T10:00:00.000Z", "hs_call_body": "Asked about plans.", "hs_call_direction": "INBOUND",
            "hs_call_duration": "61000", "hs_call_status": "COMPLETED", "hs_call_from_number": "+14155550142", "hs_call_to_number": "+14155550100",
        }, associations=[association], object_write_trace_id="0"),
    ]))
    assert created.status == "COMPLETE" and created.results[0].properties["hs_call_body"] == "Asked about plans."
    call_id = created.results[0].id
    read = api.crm.objects.calls.basic_api.get_by_id(call_id, properties=["hs_call_direction", "hs_call_duration"], associations=["contacts"])
    assert read.properties["hs_call_direction"] == "INBOUND" and read.properties["hs_call_duration"] == "61000"
    assert read.associations["contacts"].results[0].id == contact.id
    api.crm.objects.calls.batch_api.update(BatchInputSimplePublicObjectBatchInput(inputs=[
        SimplePublicObjectBatchInput(id=call_id, properties={"hs_call_body": "Wants the Pro plan."}),
    ]))
    assert api.crm.objects.calls.basic_api.get_by_id(call_id, properties=["hs_call_body"]).properties["hs_call_body"] == "Wants the Pro plan."
    api.crm.objects.calls.basic_api.update(call_id, CallUpdate(properties={"hs_call_status": "COMPLETED"}))
    with pytest.raises(Exception):
        api.crm.objects.calls.basic_api.update(call_id, CallUpdate(properties={"hs_call_direction": "SIDEWAYS"}))
