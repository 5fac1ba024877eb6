# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet_report module's controller logic: rows (normalised servers and counts), html (the page), tabular
(JSON and CSV) and files (atomic writes)."""
