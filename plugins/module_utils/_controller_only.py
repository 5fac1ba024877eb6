# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The body of every module file: the work is done by the action plugin of the same name, on the controller.

Building AnsibleModule from the shared spec is what lets ``ansible-test sanity`` check the documentation against
the options; if the module is ever run on a host directly, it says so instead of doing nothing.
"""

from __future__ import annotations

import typing as t

from ansible.module_utils.basic import AnsibleModule


def run(name: str, argument_spec: dict[str, dict[str, t.Any]], **spec_rules: t.Any) -> None:
    """``spec_rules`` are AnsibleModule's cross-option rules, e.g. ``required_one_of``."""
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **spec_rules)
    module.fail_json(msg=f"winremote.remoting.{name} runs on the controller through its action plugin")
