# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server_pool inventory plugin's controller logic: sources (who is in the pool), probe (what each host
answers) and groups (host vars and group names)."""
