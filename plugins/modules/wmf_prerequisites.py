#!/usr/bin/python
# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of wmf_prerequisites; the work is done on the controller by the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: wmf_prerequisites
short_description: Install the .NET Framework, WMF and KB2682011 that Server Manager needs to manage older servers
version_added: 0.1.0
description:
  - Installs on Windows Server 2008, 2008 R2, 2012 and 2012 R2 the .NET Framework and Windows Management Framework
    (WMF) that Server Manager on Windows Server 2012 R2 and later requires to manage them, and on 2008 and 2008 R2
    the performance update KB2682011, in the order they depend on each other (.NET Framework, then WMF, then
    KB2682011), rebooting where a package needs it. Packages already installed are skipped, so the task is
    idempotent.
  - Without O(target_wmf) each host gets what Server Manager requires for its version. 2008 gets .NET Framework 4
    and WMF 3.0; 2008 R2 gets .NET Framework 4.5 and WMF 4.0; 2012 and 2012 R2 get .NET Framework 4.6 and WMF 5.1.
  - Runs on the controller over WS-Management; nothing is needed on the host but a WinRM listener the controller
    can reach. The files are staged in C(%SystemRoot%\Temp\winremote-prerequisites) on the host.
  - Every file is verified on the host with C(certutil -hashfile <file> SHA256) before anything is installed from
    it; a file whose SHA-256 differs is deleted and the task fails. Microsoft publishes no SHA-256 for these
    downloads, so the shipped catalogue has none, and every file the host needs must get one from O(checksums) (or
    a O(catalog) entry with C(sha256)). In practice O(checksums) is required; the task fails before changing
    anything when a file lacks one, naming the file.
  - The host's free disk space on the system drive is compared with the files' sizes before anything is copied.
  - Installers never run over WinRS, where C(wusa.exe) is denied (exit code 5, KB2773898) and installers cannot get
    the rights they need. Each package runs from a batch file in a one-shot scheduled task as C(SYSTEM)
    (C(winremote-prereq-<name>)), whose output and exit code the controller reads back.
  - On Windows Server 2008 R2, 2012 and 2012 R2 an C(.msu) is unpacked with C(expand -F:*) and its cabinet files
    are added with C(dism /online /add-package /quiet /norestart); on Windows Server 2008, which has no DISM,
    C(wusa.exe /quiet /norestart) installs it. The .NET Framework offline installers run with C(/q /norestart).
  - Exit code 0 is success, 3010 success with a reboot required, 1641 success with a reboot already started; any
    other code fails the task with the code, its meaning where known (for example 1603, 5100, C(0x800f081e) not
    applicable) and the end of the installer's log. For C(wusa.exe), C(0x240006) (already installed) counts as
    success.
  - WMF 5.1 on Windows Server 2008 R2 must not be installed over WMF 3.0 (Microsoft's release notes warn that
    C(PSModulePath) is lost). When WMF 3.0 is installed, it is removed first (C(wusa.exe /uninstall /kb:2506143))
    and the host is rebooted before WMF 5.1 is installed. WMF 5.0 on 2008 R2 needs WMF 4.0 first, which is
    installed (with its reboot) on the way.
author:
  - winremote.remoting maintainers (@winremote)
options:
  source:
    description:
      - Where the package files come from, by their catalogue file names (see the notes). One of three kinds.
      - A directory on the controller. Each file is uploaded through WinRS standard input, so no share or web
        server is needed. An upload that was interrupted is resumed, and a file already on the host with the right
        SHA-256 is not sent again.
      - An V(http://) or V(https://) base URL of a mirror, for example V(https://mirror.example.com/wmf). The host
        downloads C(<source>/<file>) itself with C(certutil -urlcache -split -f), so the host (not the controller)
        must reach the mirror, through the host's own proxy settings.
      - A UNC path C(\\server\share) or C(\\server\share\dir). The file is copied by the SYSTEM scheduled task,
        which reaches the share as the host's computer account; a WinRM session cannot, because its credentials
        are not delegated to a second server (the "double hop"). The share and its folder must grant read access to
        the computer accounts, for example to C(Domain Computers).
    type: str
    required: true
  checksums:
    description:
      - The SHA-256 of each package file, as a dict of file name (case-insensitive) to 64 hexadecimal digits, for
        example the key V(Win7AndW2K8R2-KB3191566-x64.msu) with its SHA-256 as value. Only the files the hosts
        need must be listed.
      - Required in practice, because the shipped catalogue has no SHA-256 (Microsoft publishes none). Compute them
        once from files you downloaded from Microsoft and trust, for example with C(sha256sum), and keep them in a
        vars file.
    type: dict
    default: {}
  target_wmf:
    description:
      - The WMF version to install, when it should differ from the default for the host's Windows version.
      - V(5.1) on Windows Server 2008 R2 installs .NET Framework 4.5.2 and WMF 5.1 (removing WMF 3.0 first, with a
        reboot, when it is installed). V(5.0) on 2008 R2 installs .NET Framework 4.5, WMF 4.0 and WMF 5.0.
      - A version Windows Server 2008 cannot run (V(4.0), V(5.0), V(5.1)) fails the task before anything is done.
      - A host that already has this WMF version or a later one is left as it is.
    type: str
    choices: ["3.0", "4.0", "5.0", "5.1"]
  performance_update:
    description:
      - Install KB2682011 on Windows Server 2008 and 2008 R2, so Server Manager can collect their performance data.
        Without it Server Manager shows C(Online - Performance counters not started) for them.
    type: bool
    default: true
  catalog:
    description:
      - Catalogue entries that add to or replace the shipped ones. An entry replaces the shipped entry of the same
        C(name) for the Windows versions it lists, for example to use another file name, a language-specific
        installer or a newer package.
      - "Keys: C(name) (like V(wmf-5.1), V(dotnet-4.5.2), V(kb2682011)), C(os) (list of Windows versions as
        V(6.0), V(6.1), V(6.2), V(6.3)), C(file) (the file name in O(source); letters, digits, C(.), C(_) and C(-)
        only), C(kind) (V(msu) or V(exe)); optional C(kb), C(cabs) (the cabinet files inside an C(.msu), default
        the C(.msu) name with C(.cab)), C(sha256), C(size) (bytes, for the free space check and check mode) and
        C(arguments) (extra arguments of an C(.exe) installer)."
    type: list
    elements: dict
    default: []
  reboot:
    description:
      - V(if_required) reboots the host after the packages when one of the pending-reboot markers says so (an
        installer's exit code 3010, a staged update), waits for it to come back, and checks the new versions. A reboot
        the order itself needs (WMF 3.0 removed before WMF 5.1 on 2008 R2, WMF 4.0 before WMF 5.0) is made between
        the packages, and so is one already pending when the task starts.
      - V(never) does not reboot; the packages are installed and the task returns RV(reboot_required). A package that
        an earlier run installed and that takes effect at the next reboot counts as installed, so a rerun changes
        nothing. When the order needs a reboot between two packages the task fails before anything is installed,
        naming this option. Reboot the host yourself (for example with C(ansible.windows.win_reboot)) and run the task
        again to see Server Manager's status.
      - V(always) reboots at the end even when no installer asked for it, once something was installed.
      - The reboot is C(shutdown /r /t 5) over WinRS; the host counts as back when it answers with a new
        C(LastBootUpTime).
    type: str
    choices: [if_required, never, always]
    default: if_required
  reboot_timeout:
    description: Seconds to wait for the host to come back after each reboot.
    type: int
    default: 1200
  install_timeout:
    description: Seconds to wait for each package (download or copy, and its installer) to finish.
    type: int
    default: 3600
extends_documentation_fragment:
  - winremote.remoting.connection
  - winremote.remoting.attributes
attributes:
  check_mode:
    support: full
    details: Observes the host and reports the plan (packages, their sizes, reboots) without copying or changing
      anything.
  diff_mode:
    support: full
    details: Shows the operating system, PowerShell, .NET Framework and WinRM stack versions before and after.
notes:
  - Unlike the other modules of the collection, this one does put files on the host (the packages, their batch
    files and logs, in the staging directory above), and runs one-shot scheduled tasks there.
  - "The package files, by the catalogue's names (x64 only). .NET Framework 4: C(dotNetFx40_Full_x86_x64.exe);
    4.5: C(dotNetFx45_Full_x86_x64.exe); 4.5.2: C(NDP452-KB2901907-x86-x64-AllOS-ENU.exe); 4.6:
    C(NDP46-KB3045557-x86-x64-AllOS-ENU.exe); 4.8: C(ndp48-x86-x64-allos-enu.exe). WMF 3.0:
    C(Windows6.0-KB2506146-x64.msu) (2008), C(Windows6.1-KB2506143-x64.msu) (2008 R2). WMF 4.0:
    C(Windows6.1-KB2819745-x64-MultiPkg.msu) (2008 R2),
    C(Windows8-RT-KB2799888-x64.msu) (2012). WMF 5.0: C(Win7AndW2K8R2-KB3134760-x64.msu),
    C(W2K12-KB3134759-x64.msu), C(Win8.1AndW2K12R2-KB3134758-x64.msu). WMF 5.1: C(Win7AndW2K8R2-KB3191566-x64.msu),
    C(W2K12-KB3191565-x64.msu), C(Win8.1AndW2K12R2-KB3191564-x64.msu). KB2682011: C(Windows6.0-KB2682011-x64.msu),
    C(Windows6.1-KB2682011-x64.msu)."
  - Microsoft ships WMF 5.1 for Windows Server 2008 R2 as a zip (C(Win7AndW2K8R2-KB3191566-x64.zip)) holding the
    C(.msu) and an installer script. Take C(Win7AndW2K8R2-KB3191566-x64.msu) out of the zip and put it in
    O(source); the zip itself is not used.
  - One host's packages are installed one after the other; hosts run in parallel as Ansible's forks allow. Use
    C(serial) to keep part of a fleet up while the rest reboots.
  - After a reboot the module observes the host again; RV(status) is Server Manager's verdict on it, as
    M(winremote.remoting.remoting_info) gives it.
seealso:
  - module: winremote.remoting.remoting_info
  - name: Manage Windows Server 2008 and 2008 R2 with Server Manager
    description: The .NET Framework, WMF and KB2682011 that Server Manager needs on older servers.
    link: https://learn.microsoft.com/windows-server/administration/server-manager/manage-remote-servers-with-server-manager
  - name: WMF 5.1 release notes, known issues
    description: WMF 5.1 on Windows Server 2008 R2 over WMF 3.0 loses PSModulePath.
    link: https://learn.microsoft.com/powershell/scripting/windows-powershell/wmf/known-issues/known-issues-wmf51
  - name: Install WMF 5.1
    description: The packages per Windows version, and the zip for Windows Server 2008 R2.
    link: https://learn.microsoft.com/powershell/scripting/windows-powershell/wmf/setup/install-configure
  - name: Windows Update Standalone Installer (wusa.exe) in a remote session
    description: KB2773898, why C(wusa.exe) is denied over WinRM.
    link: https://support.microsoft.com/help/2773898
"""

EXAMPLES = r"""
# The play loads checksums.yml (vars_files), computed once with sha256sum from the files downloaded from Microsoft:
#   wmf_checksums:
#     Win7AndW2K8R2-KB3191566-x64.msu: 2f3e...64 hex digits
#     NDP452-KB2901907-x86-x64-AllOS-ENU.exe: 6c2c...
- name: Install what Server Manager needs, from a mirror the hosts download from
  winremote.remoting.wmf_prerequisites:
    source: https://mirror.example.com/wmf
    checksums: "{{ wmf_checksums }}"

- name: Upload the files from a directory on the controller
  winremote.remoting.wmf_prerequisites:
    source: /srv/windows/prerequisites
    checksums: "{{ lookup('ansible.builtin.file', 'checksums.json') | from_json }}"

- name: Copy from a share the computer accounts can read (Domain Computers)
  winremote.remoting.wmf_prerequisites:
    source: \\fs01.example.com\software\wmf
    checksums: "{{ wmf_checksums }}"

# In a play for the Windows Server 2008 R2 hosts
- name: WMF 5.1 on Windows Server 2008 R2 (WMF 3.0 is removed first), without KB2682011
  winremote.remoting.wmf_prerequisites:
    source: https://mirror.example.com/wmf
    target_wmf: "5.1"
    performance_update: false
    checksums: "{{ wmf_checksums }}"

- name: Install without rebooting, in the maintenance window
  winremote.remoting.wmf_prerequisites:
    source: https://mirror.example.com/wmf
    checksums: "{{ wmf_checksums }}"
    reboot: never
  register: prerequisites

- name: Reboot later, then run the same task again to finish
  ansible.windows.win_reboot:
  when: prerequisites.reboot_required

- name: Show what would be installed, with sizes
  winremote.remoting.wmf_prerequisites:
    source: /srv/windows/prerequisites
    checksums: "{{ wmf_checksums }}"
  check_mode: true
  register: plan
"""

RETURN = r"""
changed:
  description: Whether anything was installed, removed or rebooted (in check mode, would be).
  returned: always
  type: bool
changes:
  description: One line per step taken (or, in check mode, that would be taken).
  returned: success
  type: list
  elements: str
  sample:
    - "remove wmf-3.0 (KB2506143): WMF 5.1 must not be installed over WMF 3.0"
    - "reboot: the removal of wmf-3.0 completes at the restart"
    - "install dotnet-4.5.2 (KB2901907) (NDP452-KB2901907-x86-x64-AllOS-ENU.exe, 66.8 MiB): WMF 5.1 needs .NET 4.5.2"
packages:
  description:
    - The packages the host needed, in the order they were (or would be) handled.
    - C(action) is V(install) or V(remove). C(exit_code) is the installer's, null when it did not run (check mode).
    - C(size) is the file's size in bytes when the controller directory holds it, else null.
  returned: success
  type: list
  elements: dict
  sample:
    - {"name": "dotnet-4.5.2", "kb": "KB2901907", "file": "NDP452-KB2901907-x86-x64-AllOS-ENU.exe",
       "size": 69999448, "action": "install", "exit_code": 0}
    - {"name": "wmf-5.1", "kb": "KB3191566", "file": "Win7AndW2K8R2-KB3191566-x64.msu", "size": 67122218,
       "action": "install", "exit_code": 3010}
reboot_required:
  description: Whether the host still needs a reboot (a package asked for one, or the host has one pending).
  returned: success
  type: bool
  sample: false
rebooted:
  description: Whether the module rebooted the host.
  returned: success
  type: bool
  sample: true
before:
  description: The host's versions before the task.
  returned: success
  type: dict
  sample: {"os": "6.1.7601", "powershell_version": "3.0", "dotnet_version": "4.5", "wsman_stack": "3.0"}
after:
  description: The host's versions after the task, as observed again after the last reboot; null in check mode.
  returned: success
  type: dict
  sample: {"os": "6.1.7601", "powershell_version": "5.1.14409.1005", "dotnet_version": "4.5.2", "wsman_stack": "3.0"}
status:
  description:
    - Server Manager's status for the host after the task, in its own words, as
      M(winremote.remoting.remoting_info) returns it in C(manageability).
  returned: success
  type: str
  sample: Online
status_reasons:
  description: Why Server Manager would not show the host as C(Online) (empty when it does).
  returned: success
  type: list
  elements: str
  sample: []
"""

from ansible_collections.winremote.remoting.plugins.module_utils import _controller_only
from ansible_collections.winremote.remoting.plugins.module_utils._specs import WMF_PREREQUISITES


def main() -> None:
    _controller_only.run("wmf_prerequisites", WMF_PREREQUISITES)


if __name__ == "__main__":
    main()
