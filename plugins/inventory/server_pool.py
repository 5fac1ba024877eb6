# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: server_pool
short_description: Server Manager's server pool as an inventory, with each host's manageability
version_added: 0.1.0
author:
  - winremote.remoting maintainers (@winremote)
description:
  - Builds an inventory from the servers of a pool (static O(hosts), Server Manager import files in
    O(import_files), Server Manager's own C(ServerList.xml) files in O(server_lists) and the computer objects of
    Active Directory with O(directory)) and probes each one the way Server Manager does, setting its
    manageability status in Server Manager's words (for example C(Online), C(Not accessible),
    C(Credentials not valid)) and the reasons behind it.
  - Each host is probed on 5985 (HTTP), then on 5986 (HTTPS), with the unauthenticated WS-Management Identify.
    When O(username) and O(password) are set, the host that answered is then observed with the same read-only
    observation as M(winremote.remoting.remoting_info), which decides the status.
  - A host that cannot be reached is added with C(winremote_manageability=Not accessible) and the reasons; it never
    fails the inventory. A host that answers while no credentials are configured is C(Online - Access denied).
  - Host vars set on every host are C(ansible_host), C(ansible_connection=psrp), C(winremote_os_version),
    C(winremote_os_release), C(winremote_wsman_stack), C(winremote_wsman_vendor),
    C(winremote_wsman_product_version), C(winremote_reachable), C(winremote_manageability),
    C(winremote_manageability_reasons) and C(winremote_last_update) (UTC, ISO 8601); C(ansible_port) and
    C(ansible_psrp_protocol) are the endpoint that answered, when one did. No credential is ever a host var.
  - A host that is a member of server groups in a C(ServerList.xml) has C(winremote_server_groups) (the groups'
    names) and is in the groups C(server_group_<name>) (the name in snake case, so C(Web Servers) becomes
    C(server_group_web_servers)).
  - C(winremote_os_version) and C(winremote_os_release) are what the host says in the authenticated observation;
    without one (no credentials, or the host did not answer) they come from the C(operatingSystemVersion) and
    C(operatingSystem) of its computer object when the host is from O(directory), and are empty otherwise (the
    anonymous Identify hides the OS).
  - Groups are C(manageability_<status>) (the status in snake case, such as C(manageability_online),
    C(manageability_not_accessible), C(manageability_online_access_denied)), C(os_<release>) (C(os_2019),
    C(os_2012_r2)), C(wsman_<stack>) (C(wsman_3_0)) and C(server_group_<name>), plus those of O(groups) and
    O(keyed_groups).
  - A source that cannot be used (an unreadable or malformed file, a range above O(max_range_hosts)) fails the
    inventory with a message naming the option; sources that name no host at all give a warning.
  - The configuration file's name must end in C(server_pool.yml) or C(server_pool.yaml).
  - Inventory hostnames are the entries as given (names in lower case, addresses normalised), deduplicated and
    sorted (addresses numerically first, then names).
options:
  plugin:
    description: The name of this plugin; set it to V(winremote.remoting.server_pool).
    type: str
    required: true
    choices: [winremote.remoting.server_pool]
  hosts:
    description:
      - Computer names, IP addresses and CIDR ranges (V(192.0.2.0/28)) of the pool.
      - A range adds its host addresses; one larger than O(max_range_hosts) is refused.
    type: list
    elements: str
    default: []
  import_files:
    description:
      - Text files in Server Manager's import format (Add Servers, Import tab), one computer name, IP address or
        CIDR range per line; blank lines and C(#) comments are ignored.
      - Relative paths are relative to the inventory configuration file.
    type: list
    elements: path
    default: []
  server_lists:
    description:
      - Server Manager's server pool files (C(ServerList.xml), kept in the roaming profile of the user who runs
        Server Manager, under C(Microsoft\Windows\ServerManager)), copied to the controller.
      - Each C(ServerInfo) is a host; each custom server group becomes the group C(server_group_<name>).
      - The files are parsed without DTDs or entities (a file with a C(DOCTYPE) is refused) and may be at most
        4 MiB. Relative paths are relative to the inventory configuration file.
      - M(winremote.remoting.server_list) writes servers back into such a file.
    type: list
    elements: path
    default: []
  max_range_hosts:
    description: The largest number of host addresses one CIDR range may add.
    type: int
    default: 1024
  probe_concurrency:
    description: How many hosts are probed at once.
    type: int
    default: 64
  probe_timeout:
    description: Seconds for each connection and each reply of one probe request.
    type: int
    default: 5
  probe_deadline:
    description:
      - Seconds for probing the whole pool. Hosts not probed by then are C(Not accessible) with the deadline as
        the reason.
    type: float
    default: 120
  validate_certs:
    description: Validate the certificate of HTTPS endpoints (5986).
    type: bool
    default: true
  ca_path:
    description: A PEM file of the certificate authorities to trust for HTTPS endpoints.
    type: path
  username:
    description:
      - The account for the authenticated observation; may be a template.
      - Without O(username) and O(password) only the anonymous Identify is made.
    type: str
    env:
      - name: WINREMOTE_USERNAME
  password:
    description:
      - The password of O(username); may be a template. It is never shown, stored in a host var or cached.
      - Prefer the E(WINREMOTE_PASSWORD) environment variable or a vaulted variable over a literal.
    type: str
    env:
      - name: WINREMOTE_PASSWORD
  auth:
    description: The authentication protocol of the authenticated observation.
    type: str
    default: negotiate
    choices: [negotiate, ntlm, kerberos, credssp]
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
  - winremote.remoting.directory_source
"""

EXAMPLES = r"""
# inventory/prod.server_pool.yml
plugin: winremote.remoting.server_pool
hosts:
  - web01.example.com
  - 192.0.2.10
  - 192.0.2.64/28
import_files:
  - servers.txt
username: EXAMPLE\ansible
# password from the WINREMOTE_PASSWORD environment variable
compose:
  ansible_psrp_auth: "'negotiate'"
keyed_groups:
  - key: winremote_os_release | default('unknown')
    prefix: release
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/winremote-server-pool
cache_timeout: 3600

# then: ansible-inventory -i inventory/prod.server_pool.yml --graph manageability_not_accessible

# The enabled servers of an OU, as Server Manager's Active Directory tab finds them
# (inventory/ad.server_pool.yml):
# plugin: winremote.remoting.server_pool
# directory: true
# ldap_server: dc01.example.com
# ldap_auth: kerberos  # the ticket of kinit; or ldap_username/ldap_password (WINREMOTE_LDAP_PASSWORD)
# ldap_search_base: OU=Servers,DC=example,DC=com
# ldap_name_filter: web*
# ldap_os_filter: "*Server 2019*"
# username: EXAMPLE\ansible
# keyed_groups:
#   - key: winremote_ad_operating_system
#     prefix: ad_os
"""

# validate-modules wants the documentation before any import
import os  # noqa: E402
import typing as t  # noqa: E402

from ansible.errors import AnsibleParserError  # noqa: E402
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable  # noqa: E402

from ansible_collections.winremote.remoting.plugins.plugin_utils import server_list  # noqa: E402
from ansible_collections.winremote.remoting.plugins.plugin_utils.inventory import (  # noqa: E402
    directory,
    groups,
    probe,
    sources,
)

FILE_SUFFIXES = ("server_pool.yml", "server_pool.yaml")
CACHE_VERSION = 1


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "winremote.remoting.server_pool"

    def verify_file(self, path: str) -> bool:
        """``*.server_pool.yml|yaml`` and ``server_pool.yml|yaml``."""
        return super().verify_file(path) and os.path.basename(path).endswith(FILE_SUFFIXES)

    def parse(self, inventory: t.Any, loader: t.Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = bool(self.get_option("cache"))
        reports: list[probe.HostReport] | None = None
        if use_cache and cache:
            reports = self.cached(cache_key)
        if reports is None:
            reports = probe.probe_all(self.targets(path), self.settings())
            late = sum(1 for report in reports if report.late)
            if late:
                self.display.warning(
                    f"{self.NAME}: {late} of {len(reports)} hosts were not probed before probe_deadline passed; "
                    "they are 'Not accessible' for now: raise probe_deadline or probe_concurrency"
                )
            if use_cache:
                self._cache[cache_key] = {"version": CACHE_VERSION, "hosts": [r.to_dict() for r in reports]}
        self.populate(reports)

    def cached(self, cache_key: str) -> list[probe.HostReport] | None:
        """The cached reports, or None when there are none (or they are of another layout)."""
        try:
            data = self._cache[cache_key]
        except KeyError:
            return None
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return None
        return [probe.HostReport.from_dict(item) for item in data.get("hosts", [])]

    def targets(self, path: str) -> list[sources.Target]:
        """Every source's entries as one deduplicated, sorted list."""
        base = os.path.dirname(os.path.abspath(path))
        entries: list[tuple[str, t.Sequence[str | sources.Entry]]] = [("hosts", list(self.get_option("hosts") or []))]
        try:
            for name in self.get_option("import_files") or []:
                entries.append(("import_files", sources.read_import_file(os.path.join(base, name))))
            for name in self.get_option("server_lists") or []:
                entries.append(("server_lists", server_list_entries(os.path.join(base, name))))
            if self.get_option("directory"):
                entries.append(("ldap", self.directory_entries()))
            targets = sources.collect(entries, int(self.get_option("max_range_hosts")))
        except sources.SourceError as exc:
            raise AnsibleParserError(f"{self.NAME}: {exc}") from None
        if not targets:
            self.display.warning(f"{self.NAME}: {path}: the sources name no host; the inventory is empty")
        return targets

    def directory_entries(self) -> list[sources.Entry]:
        """The computers of Active Directory (``directory``); none found, or one without a DNS name, warns."""
        settings = directory.from_options(self.get_option, self.templated("ldap_password"))
        warnings: list[str] = []
        found = directory.entries(settings, warnings)
        for warning in warnings:
            self.display.warning(f"{self.NAME}: ldap: {warning}")
        if not found:
            self.display.warning(
                f"{self.NAME}: ldap: no computer matched {directory.computer_filter(settings)} under "
                f"{settings.search_base or 'the domain'}"
            )
        return found

    def templated(self, option: str) -> str | None:
        value = self.get_option(option)
        if value is None:
            return None
        if isinstance(value, str) and self.templar.is_template(value):
            value = self.templar.template(value)
        return None if value is None else str(value)

    def settings(self) -> probe.ProbeSettings:
        return probe.ProbeSettings(
            timeout=int(self.get_option("probe_timeout")),
            deadline=float(self.get_option("probe_deadline")),
            concurrency=int(self.get_option("probe_concurrency")),
            validate_certs=bool(self.get_option("validate_certs")),
            ca_path=self.get_option("ca_path"),
            username=self.templated("username") or None,
            password=self.templated("password"),
            auth=self.get_option("auth"),
        )

    def populate(self, reports: list[probe.HostReport]) -> None:
        strict = bool(self.get_option("strict"))
        for report in reports:
            name = self.inventory.add_host(report.name)
            variables = groups.host_vars(report)
            for key, value in variables.items():
                self.inventory.set_variable(name, key, value)
            for group in groups.group_names(report):
                self.inventory.add_group(group)
                self.inventory.add_child(group, name)
            self._set_composite_vars(self.get_option("compose"), variables, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, name, strict=strict)


def server_list_entries(path: str) -> list[sources.Entry]:
    """The servers of one ServerList.xml with their server groups; a file that cannot be used names the option."""
    try:
        data = server_list.read(path)
        if data is None:
            raise server_list.ServerListError("the file does not exist")
        pool = server_list.parse(data)
    except server_list.ServerListError as exc:
        raise sources.SourceError("server_lists", f"{path}: {exc}") from None
    return [sources.Entry(server.name, server.groups) for server in pool.servers if server.name.strip()]
