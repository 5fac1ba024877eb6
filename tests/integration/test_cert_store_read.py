# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""windows/cert_store.read_store against a simulated host's LocalMachine\\My (the registry, over StdRegProv):
several certificates, one corrupted Blob reported rather than dropped, and the listener choice on what was read."""

from __future__ import annotations

import datetime

from simhosts import HostFactory, config_for

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import cert_store
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import cert_store as winsim_store

UTC = datetime.UTC


def test_read_store_through_wsman(start_host: HostFactory) -> None:
    host = start_host("2019")
    now = datetime.datetime.now(UTC)
    fqdn = "sim2019.winremote.test"
    older = host.add_certificate("SIM2019", dns_names=(fqdn,), not_before=now - datetime.timedelta(days=200))
    newer = host.add_certificate("SIM2019", dns_names=(fqdn,), friendly_name="WinRM 2026")
    keyless = host.add_certificate("SIM2019", dns_names=(fqdn,), private_key=False)
    expired = host.add_certificate(
        "SIM2019",
        dns_names=(fqdn,),
        not_before=now - datetime.timedelta(days=400),
        not_after=now - datetime.timedelta(days=1),
    )
    client_only = host.add_certificate("SIM2019", dns_names=(fqdn,), server_auth=False, issuer="self")
    broken = host.add_certificate("broken")
    with host.lock:
        key = rf"{winsim_store.STORE_KEY}\{broken.thumbprint}"
        blob = host.state.registry.get_data(key, winsim_store.BLOB)
        host.state.registry.set_value(key, winsim_store.BLOB, "REG_BINARY", blob[:-10])  # truncated on disk
    host.reset_request_count()

    with WSManClient(config_for(host)) as client:
        read = cert_store.read_store(client)

    expected = [host.certificate, older, newer, keyless, expired, client_only]
    assert [c.thumbprint for c in read.certificates] == [c.thumbprint for c in expected]
    assert [u.thumbprint for u in read.unread] == [broken.thumbprint]
    assert "claims" in read.unread[0].reason  # what is wrong with it, not just that it is missing
    assert host.request_count == 1 + 7  # one EnumKey, one GetBinaryValue per certificate

    found = {c.thumbprint: c for c in read.certificates}
    assert found[newer.thumbprint].friendly_name == "WinRM 2026"
    assert found[newer.thumbprint].issuer == "CN=winsim test CA" and found[client_only.thumbprint].self_signed
    assert found[keyless.thumbprint].has_private_key is False and found[newer.thumbprint].has_private_key
    assert found[client_only.thumbprint].server_auth is False
    assert found[host.certificate.thumbprint].dns_names == ("SIM2019", "sim2019")

    assert cert_store.select(read.certificates, fqdn, now) == found[newer.thumbprint]
    assert cert_store.select(read.certificates, "sim2019", now) == found[host.certificate.thumbprint]
    assert cert_store.select(read.certificates, "other.winremote.test", now) is None
    assert [p.split(": ")[0].split(" ", 2)[2] for p in cert_store.problems(found[expired.thumbprint], fqdn, now)] == [
        "expired on " + found[expired.thumbprint].not_after.strftime("%Y-%m-%d %H:%M") + " UTC"
    ]
    assert len(cert_store.problems(found[keyless.thumbprint], "sim2019", now)) == 2  # no key, and the name
