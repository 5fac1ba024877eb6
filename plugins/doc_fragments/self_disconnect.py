# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``allow_self_disconnect`` option of the modules whose changes can cut the task's own connection.

Only the option is shared. The ``changes`` return value is written out in each module's RETURN: ansible-core reads
``extends_documentation_fragment`` in RETURN only from 2.20 on, and the collection supports 2.19, whose ansible-doc
would show the fragment's name as a return value and leave ``changes`` out.
"""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  allow_self_disconnect:
    description:
      - Allow a change that can cut the connection this task uses to reach the host. The notes say which changes of
        this module can.
      - Unless this is V(true), a plan that holds such a change fails the task before anything on the host is
        changed.
      - With V(true) the change is made last, and the module does not wait for the host to answer on this
        connection again.
    type: bool
    default: false
"""
