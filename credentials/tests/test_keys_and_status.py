import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credentials import crypto, did, services
from credentials.models import STATUS_LIST_SIZE, SigningKey, StatusList


def test_an_organisation_gets_one_signing_key_on_first_need(org):
    first = services.signing_key_for(organisation=org)
    assert services.signing_key_for(organisation=org) == first
    assert first.public_key_multibase.startswith("z6Mk")
    assert SigningKey.objects.filter(organisation=org).count() == 1


def test_the_private_key_is_stored_only_encrypted(org):
    key = services.signing_key_for(organisation=org)
    private = crypto.decrypt_private_key(key.private_key_encrypted)
    raw = crypto.private_key_bytes(private)
    stored = key.private_key_encrypted.encode()
    assert raw not in stored and raw.hex().encode() not in stored
    assert crypto.public_key_multibase(private.public_key()) == key.public_key_multibase


def test_a_key_encrypted_with_another_environment_key_is_refused_loudly(org, settings):
    key = services.signing_key_for(organisation=org)
    settings.CREDENTIALS_KEYS = ["another-environment-key-0123456789abcdef"]
    with pytest.raises(ImproperlyConfigured, match="CREDENTIALS_KEY"):
        crypto.decrypt_private_key(key.private_key_encrypted)


def test_rotating_the_environment_key_keeps_every_signing_key_readable(org, settings):
    key = services.signing_key_for(organisation=org)
    old = settings.CREDENTIALS_KEYS[0]
    settings.CREDENTIALS_KEYS = ["new-environment-key-0123456789abcdefgh", old]
    assert services.signing_keys_reencrypt() == 1
    settings.CREDENTIALS_KEYS = ["new-environment-key-0123456789abcdefgh"]
    key.refresh_from_db()
    assert crypto.public_key_multibase(crypto.decrypt_private_key(key.private_key_encrypted).public_key()) == (
        key.public_key_multibase
    )


def test_rotation_retires_the_old_key_and_keeps_it_in_the_did_document(client, org):
    old = services.signing_key_for(organisation=org)
    new = services.signing_key_rotate(organisation=org)
    assert services.signing_key_for(organisation=org) == new
    document = client.get(f"/o/{org.slug}/did.json").json()
    ids = [method["id"] for method in document["verificationMethod"]]
    assert ids == [did.key_id(org.slug, new.public_key_multibase), did.key_id(org.slug, old.public_key_multibase)]
    assert document["assertionMethod"] == ids


def test_the_did_document_names_keys_as_multikey_by_absolute_id(client, org, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    key = services.signing_key_for(organisation=org)
    response = client.get(f"/o/{org.slug}/did.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+ld+json"
    document = response.json()
    assert document["id"] == "did:web:127.0.0.1%3A8000:o:acme"
    [method] = document["verificationMethod"]
    assert method == {
        "id": f"did:web:127.0.0.1%3A8000:o:acme#{key.public_key_multibase}",
        "type": "Multikey",
        "controller": "did:web:127.0.0.1%3A8000:o:acme",
        "publicKeyMultibase": key.public_key_multibase,
    }
    assert document["assertionMethod"] == [method["id"]]


def test_a_site_under_a_path_puts_the_path_in_the_did(settings):
    settings.SITE_URL = "https://example.org/learning"
    assert did.did_for("acme") == "did:web:example.org:learning:o:acme"
    assert did.slug_from_did("did:web:example.org:learning:o:acme") == "acme"
    assert did.slug_from_did("did:web:elsewhere.org:o:acme") is None
    assert did.slug_from_did("did:web:example.org:learning:o:acme:more") is None


def test_an_unknown_organisation_has_no_did_document(client, db):
    assert client.get("/o/nobody/did.json").status_code == 404


def test_the_did_document_is_read_only(client, org):
    assert client.post(f"/o/{org.slug}/did.json").status_code == 405


def test_entries_are_unique_and_spread_over_a_list_of_131072(org):
    entries = services.status_entries_allocate(organisation=org, count=1000)
    indexes = [entry.index for entry in entries]
    assert len(set(indexes)) == 1000
    assert all(0 <= index < STATUS_LIST_SIZE for index in indexes)
    assert indexes != sorted(indexes)
    status_list = StatusList.objects.get(organisation=org)
    assert status_list.size >= 131_072 and status_list.allocated == 1000


def test_a_full_list_is_followed_by_a_new_one(org):
    services.status_entries_allocate(organisation=org, count=1)
    StatusList.objects.filter(organisation=org).update(allocated=STATUS_LIST_SIZE - 2)
    entries = services.status_entries_allocate(organisation=org, count=5)
    lists = list(StatusList.objects.filter(organisation=org).order_by("id"))
    assert len(lists) == 2 and lists[0].allocated == STATUS_LIST_SIZE and lists[1].allocated == 3
    assert [e.status_list_id for e in entries] == [lists[0].pk] * 2 + [lists[1].pk] * 3


def test_allocating_ten_thousand_entries_takes_a_constant_number_of_queries(org):
    services.status_entries_allocate(organisation=org, count=1)
    with CaptureQueriesContext(connection) as queries:
        services.status_entries_allocate(organisation=org, count=10_000)
    # savepoint, lock the open list, move its counter, release
    assert len(queries) <= 4


def test_setting_a_bit_shows_in_the_signed_status_list_at_once(client, org):
    [entry] = services.status_entries_allocate(organisation=org, count=1)
    status_list = StatusList.objects.get(pk=entry.status_list_id)
    url = f"/o/{org.slug}/credentials/status/{status_list.public_id}"
    before = client.get(url)
    assert before.status_code == 200 and before["Content-Type"] == "application/vc+ld+json"
    document = json.loads(before.content)
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["credentialSubject"]["statusPurpose"] == "revocation"
    bits = services.decode_bits(document["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == STATUS_LIST_SIZE and not any(bits)

    services.status_set(status_list_id=entry.status_list_id, index=entry.index)
    after = json.loads(client.get(url).content)
    bits = services.decode_bits(after["credentialSubject"]["encodedList"])
    assert bits[entry.index // 8] & (0x80 >> (entry.index % 8))
    assert sum(bin(b).count("1") for b in bits) == 1


def test_the_signed_status_list_is_reused_until_a_bit_changes(client, org):
    [entry] = services.status_entries_allocate(organisation=org, count=1)
    status_list = StatusList.objects.get(pk=entry.status_list_id)
    url = f"/o/{org.slug}/credentials/status/{status_list.public_id}"
    first = client.get(url)
    assert client.get(url).content == first.content
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    services.status_set(status_list_id=entry.status_list_id, index=entry.index)
    assert client.get(url).content != first.content


def test_a_status_list_of_another_organisation_is_not_found_under_this_one(client, org, other_org):
    [entry] = services.status_entries_allocate(organisation=other_org, count=1)
    status_list = StatusList.objects.get(pk=entry.status_list_id)
    assert client.get(f"/o/{org.slug}/credentials/status/{status_list.public_id}").status_code == 404
    assert client.get(f"/o/{other_org.slug}/credentials/status/{status_list.public_id}").status_code == 200


def test_the_rotate_command_gives_a_new_key_and_keeps_the_old_one_listed(org):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    old = services.signing_key_for(organisation=org)
    out = io.StringIO()
    call_command("credentials_rotate_key", "acme", stdout=out)
    new = services.signing_key_for(organisation=org)
    assert new != old and new.public_key_multibase in out.getvalue()
    old.refresh_from_db()
    assert old.retired_at is not None
    with pytest.raises(CommandError, match="No organisation"):
        call_command("credentials_rotate_key", "nobody")
