# Build and quality gates for the winremote.remoting collection.
# Needs only Python >= 3.11 and git; everything else comes from PyPI through the machine's pip configuration.
# `make test` runs every gate (fast failures first); `make demo` audits, enables and re-audits simulated hosts.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# --- Interpreters ----------------------------------------------------------------------------------------------
# A candidate counts only if it really runs: pyenv shims for versions that are not selected exist but fail.
runs_py311 = "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
pick_python = $(shell for p in $(1); do if $(runs_py311); then command -v "$$p"; break; fi; done)

PYENV_ROOT ?= $(HOME)/.pyenv
pyenv_pythons = $(sort $(wildcard $(PYENV_ROOT)/versions/$(1).*/bin/python$(1)))

# Newest first: 3.13 from PATH or pyenv, then 3.12, then whatever python3 is (3.11 at least).
# Override with `make PYTHON=/path/to/python3.12 ...`.
ifndef PYTHON
PYTHON := $(call pick_python,python3.13 $(call pyenv_pythons,3.13) python3.12 $(call pyenv_pythons,3.12) python3)
endif
# The oldest supported combination: Python 3.11 with ansible-core 2.19.
ifndef PYTHON_OLD
PYTHON_OLD := $(call pick_python,python3.11 $(call pyenv_pythons,3.11))
endif
# The middle one: Python 3.12 with ansible-core 2.20.
ifndef PYTHON_220
PYTHON_220 := $(call pick_python,python3.12 $(call pyenv_pythons,3.12))
endif

PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ANSIBLE_CORE_OLD := ansible-core>=2.19,<2.20
ANSIBLE_CORE_220 := ansible-core>=2.20,<2.21
ANSIBLE_CORE_NEW := ansible-core>=2.21,<2.22
ANSIBLE_CORE := $(if $(filter 3.11,$(PYTHON_VERSION)),$(ANSIBLE_CORE_OLD),$(ANSIBLE_CORE_NEW))

VENV := .venv
VENV_OLD := .venv-219
VENV_220 := .venv-220
# What the compat venvs need besides ansible-core, requirements.txt and the simulator: the test runner, and the
# Kerberos clients tests/integration/test_kerberos.py drives (built against libkrb5-dev: make kerberos-deps), and
# Selenium for tests/integration/test_fleet_report_browser.py (make browser-deps).
COMPAT_TEST_REQS := "pytest>=8.3,<10" "pytest-timeout>=2.3,<3" "pyyaml>=6.0,<7" "pypsrp[kerberos]>=0.9,<1.0" \
	"pyspnego[kerberos]>=0.10" "pywinrm[kerberos]>=0.5,<1" "selenium>=4.20,<5"
# pip prints one warning per package for the machine's partial local mirrors; keep the logs readable.
# grep exits 1 when it filtered everything; only pip's own status (pipefail) may fail the recipe.
PIP_QUIET := { grep -v 'is ignored: it is neither a file nor a directory' || test $$? = 1; }

# --- Collection trees ------------------------------------------------------------------------------------------
WORK := .work
COLLECTIONS := $(CURDIR)/$(WORK)/collections
COLLECTION_LINK := $(WORK)/collections/ansible_collections/winremote/remoting
SANITY_ROOT := $(WORK)/ansible-test/ansible_collections/winremote/remoting
WINSIM_PROJECT := $(wildcard tests/winsim/pyproject.toml)
MODULES := $(basename $(notdir $(wildcard plugins/modules/*.py)))

# Environment for everything that loads the collection: pytest, ansible-playbook, ansible-doc, molecule.
RUN_ENV = ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) PYTHONPATH=$(COLLECTIONS) ANSIBLE_NOCOLOR=1

# ansible-test downloads get-pip.py from ci-files.testing.ansible.com into this cache unless a file is there.
# Our stand-in uses the interpreter's bundled pip instead, then installs what ansible-test asked for.
define GET_PIP_SHIM
"""winremote.remoting stand-in for get-pip.py: bootstrap pip with ensurepip, no download."""
import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}
args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
subprocess.check_call([sys.executable, "-m", "pip", "install", *args])
endef
export GET_PIP_SHIM

# The pip version that the installed ansible-test bootstraps into its venvs (its cache file is named after it).
define PIP_VERSION_PROBE
import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="default"))["pip"])
endef
export PIP_VERSION_PROBE

# molecule offline: no prerun and no dependency step (both would call ansible-galaxy against the network);
# the collection comes from ANSIBLE_COLLECTIONS_PATH. Scenarios override anything else in their molecule.yml.
define MOLECULE_BASE_CONFIG
---
prerun: false
dependency:
  name: galaxy
  enabled: false
endef
export MOLECULE_BASE_CONFIG

.PHONY: help venv venv-old venv-220 collections lint ruff mypy ansible-lint changelog-lint sanity sanity-tree \
	sanity-shims unit integration compat compat-220 molecule ee galaxy-import fmt test demo clean

help:
	@echo "make demo         start 4 simulated Windows hosts (+1 unreachable): audit, enable remote management, audit"
	@echo "make test         every gate: lint, ee, galaxy-import, unit, sanity, integration, compat, compat-220, molecule"
	@echo "make venv         $(VENV) ($(PYTHON_VERSION), $(ANSIBLE_CORE)); venv-old: $(VENV_OLD) (3.11, $(ANSIBLE_CORE_OLD));"
	@echo "                  venv-220: $(VENV_220) (3.12, $(ANSIBLE_CORE_220))"
	@echo "make lint | sanity | unit | integration | compat | compat-220 | molecule | ee | galaxy-import | fmt | clean"

# --- Virtual environments (stamped, so re-running is cheap) ------------------------------------------------------
venv: $(VENV)/.stamp collections
venv-old: $(VENV_OLD)/.stamp collections
venv-220: $(VENV_220)/.stamp collections

$(VENV)/.stamp: requirements.txt requirements-dev.txt $(WINSIM_PROJECT) Makefile | kerberos-deps
	@test -n "$(PYTHON)" || { echo "no Python >= 3.11 found" >&2; exit 1; }
	@echo "== $(VENV): $(PYTHON) ($(PYTHON_VERSION)), $(ANSIBLE_CORE)"
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q "$(ANSIBLE_CORE)" -r requirements.txt -r requirements-dev.txt 2>&1 | $(PIP_QUIET)
	$(if $(WINSIM_PROJECT),$(VENV)/bin/python -m pip install -q -e tests/winsim 2>&1 | $(PIP_QUIET),\
		@echo "WARNING: tests/winsim/pyproject.toml is missing; the simulator is not installed" >&2)
	$(VENV)/bin/python -c 'import ansible, pypsrp, spnego, pytest_timeout, gssapi, krb5'
	touch $@

$(VENV_OLD)/.stamp: requirements.txt $(WINSIM_PROJECT) Makefile | kerberos-deps
	@test -n "$(PYTHON_OLD)" || { echo "no Python 3.11 found for the ansible-core 2.19 venv" >&2; exit 1; }
	@echo "== $(VENV_OLD): $(PYTHON_OLD), $(ANSIBLE_CORE_OLD)"
	test -x $(VENV_OLD)/bin/python || $(PYTHON_OLD) -m venv $(VENV_OLD)
	$(VENV_OLD)/bin/python -m pip install -q "$(ANSIBLE_CORE_OLD)" $(COMPAT_TEST_REQS) -r requirements.txt 2>&1 \
		| $(PIP_QUIET)
	$(if $(WINSIM_PROJECT),$(VENV_OLD)/bin/python -m pip install -q -e tests/winsim 2>&1 | $(PIP_QUIET),\
		@echo "WARNING: tests/winsim/pyproject.toml is missing; the simulator is not installed" >&2)
	$(VENV_OLD)/bin/python -c 'import ansible, pypsrp, spnego, pytest_timeout, gssapi, krb5'
	touch $@

$(VENV_220)/.stamp: requirements.txt $(WINSIM_PROJECT) Makefile | kerberos-deps
	@test -n "$(PYTHON_220)" || { echo "no Python 3.12 found for the ansible-core 2.20 venv" >&2; exit 1; }
	@echo "== $(VENV_220): $(PYTHON_220), $(ANSIBLE_CORE_220)"
	test -x $(VENV_220)/bin/python || $(PYTHON_220) -m venv $(VENV_220)
	$(VENV_220)/bin/python -m pip install -q "$(ANSIBLE_CORE_220)" $(COMPAT_TEST_REQS) -r requirements.txt 2>&1 \
		| $(PIP_QUIET)
	$(if $(WINSIM_PROJECT),$(VENV_220)/bin/python -m pip install -q -e tests/winsim 2>&1 | $(PIP_QUIET),\
		@echo "WARNING: tests/winsim/pyproject.toml is missing; the simulator is not installed" >&2)
	$(VENV_220)/bin/python -c 'import ansible, pypsrp, spnego, pytest_timeout, gssapi, krb5'
	touch $@

# What pip needs to build the Kerberos clients of requirements-dev.txt (gssapi, krb5 and pykerberos publish no
# Linux wheels): MIT Kerberos' headers and krb5-config (libkrb5-dev), a C compiler, and kinit/klist (krb5-user).
# Installed once, only when a tool is missing (building gssapi and krb5 then takes about 3.5 minutes on 2 cores;
# pip's wheel cache makes later venvs cheap). Other systems: bindep.txt lists the same per platform.
KERBEROS_PACKAGES := libkrb5-dev gcc krb5-user
KERBEROS_TOOLS := krb5-config gcc kinit

.PHONY: kerberos-deps
kerberos-deps:
	@missing=; for tool in $(KERBEROS_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
		echo "kerberos-deps: missing$$missing; install $(KERBEROS_PACKAGES) (bindep.txt names them per platform)" >&2; \
		exit 1; fi; \
	echo "== kerberos-deps: installing $(KERBEROS_PACKAGES) (missing:$$missing)"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq; \
	apt-get install -y -qq --no-install-recommends $(KERBEROS_PACKAGES) >/dev/null; \
	for tool in $(KERBEROS_TOOLS); do command -v $$tool >/dev/null; done

# The checkout itself, seen as an installed collection (a symlink, so edits are live).
collections:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@if [ -e $(COLLECTION_LINK) ] && [ ! -L $(COLLECTION_LINK) ]; then rm -rf $(COLLECTION_LINK); fi
	@ln -sfn $(CURDIR) $(COLLECTION_LINK)

# --- Gates -----------------------------------------------------------------------------------------------------
lint: ruff mypy ansible-lint changelog-lint

ruff: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Rewrite what ruff can fix by itself (imports, pyupgrade, formatting); `make lint` only checks.
fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

mypy: venv
	$(VENV)/bin/mypy -p ansible_collections.winremote.remoting.plugins $(if $(WINSIM_PROJECT),-p winsim)

ansible-lint: venv
	$(RUN_ENV) PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/ansible-lint --profile production

changelog-lint: venv
	$(VENV)/bin/antsibull-changelog lint
	$(VENV)/bin/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

# The user guide (docs/docsite/: extra-docs.yml, links.yml, rst/) and the module and role documentation as
# antsibull-docs renders them for the docsite, including every :ansplugin:/:ansopt:/:ansretval: reference.
.PHONY: docs-lint
docs-lint: venv
	$(RUN_ENV) PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/antsibull-docs lint-collection-docs --plugin-docs \
		--check-extra-docs-refs .

# ansible-test refuses symlinked collection roots, so it gets a fresh copy of the working tree (uncommitted
# edits included). The copy is made a scratch git repository of its own: ansible-test lists its files with
# `git ls-files` from the nearest .git upwards, and would otherwise find this checkout, which ignores .work/.
sanity-tree:
	@rm -rf $(SANITY_ROOT) && mkdir -p $(SANITY_ROOT)
	@tar -c --exclude='./.git' --exclude='./.venv*' --exclude='./.work' --exclude='./tests/output' \
		--exclude='./tests/winsim/build' --exclude='.ansible' --exclude='./changelogs/.plugin-cache.yaml' \
		--exclude='__pycache__' --exclude='.*_cache' --exclude='*.egg-info' -f - . | tar -x -C $(SANITY_ROOT) -f -
	@git -C $(SANITY_ROOT) init -q

# One bootstrap stand-in per pip version that the installed ansible-test pins (25.2 for 2.21, 24.2 for 2.19).
sanity-shims: venv
	@for py in $(VENV)/bin/python $(wildcard $(VENV_OLD)/bin/python); do \
		version=$$($$py -c "$$PIP_VERSION_PROBE"); \
		shim=$(HOME)/.ansible/test/cache/get_pip_$${version//./_}.py; \
		if [ ! -f $$shim ] || grep -q 'winremote.remoting stand-in' $$shim; then \
			mkdir -p $$(dirname $$shim) && printf '%s\n' "$$GET_PIP_SHIM" > $$shim; \
		fi; \
	done

# Then ansible-test units as a contributor runs it in an installed collection tree (about 10 s warm, 30 s cold): its own
# venv with tests/unit/requirements.txt, the collection found by ansible-test's pytest plugin, not by PYTHONPATH.
sanity: venv sanity-tree sanity-shims
	cd $(SANITY_ROOT) && $(CURDIR)/$(VENV)/bin/ansible-test sanity --venv --python $(PYTHON_VERSION) --color no
	cd $(SANITY_ROOT) && env -u PYTHONPATH -u ANSIBLE_COLLECTIONS_PATH \
		$(CURDIR)/$(VENV)/bin/ansible-test units --venv --python $(PYTHON_VERSION) --color no
	@mkdir -p $(WORK)/doc
	@for module in $(MODULES); do \
		echo "ansible-doc winremote.remoting.$$module"; \
		$(RUN_ENV) $(VENV)/bin/ansible-doc winremote.remoting.$$module > $(WORK)/doc/$$module.txt; \
		grep -q "^> MODULE winremote.remoting.$$module" $(WORK)/doc/$$module.txt; \
	done

unit: venv
	$(RUN_ENV) PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/pytest tests/unit tests/winsim/tests
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/pytest tests/packaging

integration: venv domain-deps browser-deps
	$(RUN_ENV) PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/pytest tests/integration
	@# the test domain of the run is gone: no scratch realm and no samba of it is left behind
	$(VENV)/bin/winsim domain leftovers --scratch-dir $(WORK)/domain

# Debian's Samba AD DC, Kerberos and LDB tools for the throw-away domain of tests/integration (winsim domain,
# docs/development.md). Installed once, only when a package is missing. No package may start its service: during
# the install policy-rc.d answers 101, "action not allowed" (invoke-rc.d's policy interface,
# https://manpages.debian.org/bookworm/init-system-helpers/invoke-rc.d.8.en.html), any policy-rc.d already there
# is put back afterwards, and where systemd runs, the units the packages enabled are disabled and stopped.
# samba-ad-provision (the AD schema files), samba-dsdb-modules (the DC's LDB modules) and samba-vfs-modules
# (acl_xattr, for sysvol's ACLs) are only Recommends of samba, so --no-install-recommends needs them named;
# iproute2 brings ss, which tests/integration/test_samba_domain.py uses to check what samba listens on;
# libnss-wrapper (cwrap, https://cwrap.org/nss_wrapper.html) resolves the test domain's host names to simulated
# hosts' loopback addresses for one ansible-inventory process (LD_PRELOAD, NSS_WRAPPER_HOSTS), /etc/hosts untouched.
DOMAIN_PACKAGES := samba samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind krb5-user ldb-tools iproute2 \
	libnss-wrapper
DOMAIN_TOOLS := samba samba-tool kinit klist kvno ldbsearch ldbadd ldbmodify ss
DOMAIN_UNITS := samba-ad-dc smbd nmbd winbind
POLICY_RC := /usr/sbin/policy-rc.d

.PHONY: domain-deps
domain-deps:
	@missing=; for package in $(DOMAIN_PACKAGES); do \
		[ "$$(dpkg-query -W -f='$${db:Status-Abbrev}' $$package 2>/dev/null)" = "ii " ] || missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "domain-deps: missing$$missing; run 'make domain-deps' as root" >&2; exit 1; fi; \
	if ! command -v apt-get >/dev/null; then \
		echo "domain-deps: missing$$missing; install a Samba AD DC, MIT krb5 clients and ldb-tools" >&2; exit 1; fi; \
	echo "== domain-deps: installing$$missing"; \
	saved=; if [ -e $(POLICY_RC) ]; then saved=$$(mktemp) && cp -p $(POLICY_RC) $$saved; fi; \
	trap 'if [ -n "$$saved" ]; then mv -f "$$saved" $(POLICY_RC); else rm -f $(POLICY_RC); fi' EXIT; \
	printf '#!/bin/sh\nexit 101\n' > $(POLICY_RC) && chmod 755 $(POLICY_RC); \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq; \
	apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	if [ -d /run/systemd/system ]; then systemctl disable --now $(DOMAIN_UNITS) >/dev/null 2>&1 || true; fi; \
	for tool in $(DOMAIN_TOOLS); do PATH=$$PATH:/usr/sbin:/sbin command -v $$tool >/dev/null; done

# Debian's Chromium and its WebDriver for tests/integration/test_fleet_report_browser.py, which opens the fleet
# report's HTML page headless through Selenium with an explicit driver path (no Selenium Manager download).
# Installed once, only when a package is missing; the test fails naming this target when they are absent.
BROWSER_PACKAGES := chromium chromium-driver
BROWSER_TOOLS := /usr/bin/chromium /usr/bin/chromedriver

.PHONY: browser-deps
browser-deps:
	@missing=; for package in $(BROWSER_PACKAGES); do \
		[ "$$(dpkg-query -W -f='$${db:Status-Abbrev}' $$package 2>/dev/null)" = "ii " ] || missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "browser-deps: missing$$missing; run 'make browser-deps' as root" >&2; exit 1; fi; \
	if ! command -v apt-get >/dev/null; then \
		echo "browser-deps: missing$$missing; install Chromium and its chromedriver at $(BROWSER_TOOLS)" >&2; exit 1; fi; \
	echo "== browser-deps: installing$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq; \
	apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	for tool in $(BROWSER_TOOLS); do test -x $$tool; done

# Same split as unit / integration: each suite is its own pytest session, as in the newest venv.
compat: venv-old domain-deps browser-deps
	$(RUN_ENV) PATH=$(CURDIR)/$(VENV_OLD)/bin:$$PATH $(VENV_OLD)/bin/pytest tests/unit
	$(RUN_ENV) PATH=$(CURDIR)/$(VENV_OLD)/bin:$$PATH $(VENV_OLD)/bin/pytest tests/integration

# The middle of the supported matrix: Python 3.12 with ansible-core 2.20.
compat-220: venv-220 domain-deps browser-deps
	$(RUN_ENV) PATH=$(CURDIR)/$(VENV_220)/bin:$$PATH $(VENV_220)/bin/pytest tests/unit
	$(RUN_ENV) PATH=$(CURDIR)/$(VENV_220)/bin:$$PATH $(VENV_220)/bin/pytest tests/integration

# All scenarios share one ephemeral directory (shared_state); the `default` scenario keeps its simulated fleet in
# <that>/winsim, `winrm_https` its own in <that>/winsim-https. molecule destroys (and cleans up) the fleets after a
# failed scenario too; the trap is for anything harsher.
MOLECULE_EPHEMERAL := $(CURDIR)/$(WORK)/molecule

molecule: venv
	@if [ -d extensions/molecule ]; then \
		mkdir -p $(WORK) && printf '%s\n' "$$MOLECULE_BASE_CONFIG" > $(WORK)/molecule-base.yml; \
		trap 'for fleet in winsim winsim-https; do $(CURDIR)/$(VENV)/bin/winsim stop \
			--state-dir $(MOLECULE_EPHEMERAL)/$$fleet >/dev/null 2>&1 || true; done' EXIT; \
		cd extensions && $(RUN_ENV) NO_COLOR=1 PATH=$(CURDIR)/$(VENV)/bin:$$PATH \
			MOLECULE_EPHEMERAL_DIRECTORY=$(MOLECULE_EPHEMERAL) \
			$(CURDIR)/$(VENV)/bin/molecule --base-config $(CURDIR)/$(WORK)/molecule-base.yml test --all; \
	else echo "molecule: no extensions/molecule scenarios yet"; fi

# Cheap and local first, the slow subprocess-heavy gates last.
test: lint docs-lint ee galaxy-import unit sanity integration compat compat-220 molecule

# The collection tarball, version-free (built from the clean copy, without caches; galaxy-import checks it), and
# ansible-builder's build context for execution-environment.yml, written from the clean copy as a user would from
# a fresh clone. Writing the context needs no container runtime, so `make test` checks execution-environment.yml
# every time: the collection must install from the context with ansible-galaxy, as the image build does.
# `podman build .work/ee/context` makes the image.
EE := $(WORK)/ee

ee: venv sanity-tree
	@rm -rf $(EE) && mkdir -p $(EE)
	$(VENV)/bin/ansible-galaxy collection build --force --output-path $(CURDIR)/$(EE) $(SANITY_ROOT) >/dev/null
	mv $(EE)/winremote-remoting-*.tar.gz $(EE)/winremote-remoting.tar.gz
	cd $(SANITY_ROOT) && $(CURDIR)/$(VENV)/bin/ansible-builder create --file execution-environment.yml \
		--context $(CURDIR)/$(EE)/context > $(CURDIR)/$(EE)/create.log 2>&1 || { cat $(CURDIR)/$(EE)/create.log; exit 1; }
	@if grep -E 'WARNING|No matches|does not exist' $(EE)/create.log; then exit 1; fi
	cd $(EE)/context/_build && ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/$(EE)/installed \
		$(CURDIR)/$(VENV)/bin/ansible-galaxy collection install --offline -r requirements.yml -p $(CURDIR)/$(EE)/installed \
		>/dev/null
	test -f $(EE)/installed/ansible_collections/winremote/remoting/MANIFEST.json

# Galaxy's import checks on the tarball `ee` built (not a second build), offline: no ansible-test container, no
# Galaxy or PyPI, ansible-lint --offline, and at least one of Galaxy's required tags. The importer only exits
# non-zero when the import stops; the gate also fails on any ERROR it logs.
GALAXY_IMPORT := $(WORK)/galaxy-import
COLLECTION_VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)

define GALAXY_IMPORTER_CFG
[galaxy-importer]
run_ansible_test = false
run_ansible_doc = true
run_ansible_lint = true
offline_ansible_lint = true
run_flake8 = false
check_required_tags = true
check_changelog = true
ansible_local_tmp = $(CURDIR)/$(GALAXY_IMPORT)/ansible-tmp
tmp_root_dir = $(CURDIR)/$(GALAXY_IMPORT)/tmp
endef
export GALAXY_IMPORTER_CFG

galaxy-import: ee
	@rm -rf $(GALAXY_IMPORT) && mkdir -p $(GALAXY_IMPORT)/tmp $(GALAXY_IMPORT)/ansible-tmp
	@printf '%s\n' "$$GALAXY_IMPORTER_CFG" > $(GALAXY_IMPORT)/galaxy-importer.cfg
	@# The importer takes namespace, name and version from the file name.
	ln -s $(CURDIR)/$(EE)/winremote-remoting.tar.gz $(GALAXY_IMPORT)/winremote-remoting-$(COLLECTION_VERSION).tar.gz
	cd $(GALAXY_IMPORT) && env -u ANSIBLE_COLLECTIONS_PATH -u PYTHONPATH \
		GALAXY_IMPORTER_CONFIG=$(CURDIR)/$(GALAXY_IMPORT)/galaxy-importer.cfg PATH=$(CURDIR)/$(VENV)/bin:$$PATH \
		$(CURDIR)/$(VENV)/bin/python -m galaxy_importer.main winremote-remoting-$(COLLECTION_VERSION).tar.gz \
		> import.log 2>&1 || { cat import.log; exit 1; }
	@grep -E '^(WARNING|ERROR):' $(GALAXY_IMPORT)/import.log || true
	@if grep -q '^ERROR:' $(GALAXY_IMPORT)/import.log; then echo "galaxy-importer reported errors" >&2; exit 1; fi
	@tail -n 1 $(GALAXY_IMPORT)/import.log

# --- Demo ------------------------------------------------------------------------------------------------------
# Four hosts that an administrator made WinRM-ready (2008 R2 gets `winrm quickconfig`) and a fifth with no listener.
DEMO := $(WORK)/demo
DEMO_UNREACHABLE := sim-2016-05
WINSIM_START_ARGS := --hosts 5 --profile 2008r2 --profile 2012r2 --profile 2019 --profile 2022 --profile 2016 \
	--unreachable 1 --winrm-ready --base-address 127.0.0.10 --inventory $(DEMO)/inventory.yml --state-dir $(DEMO)
DEMO_PLAY = ansible-playbook -i $(DEMO)/inventory.yml

# Prints just the manageability table from an audit.yml run (JSON result lines); anything else on failure.
define DEMO_TABLE
import json
import sys

lines = sys.stdin.read().splitlines()
tables = [json.loads(line.split(" => ", 1)[1])["msg"] for line in lines if line.startswith("ok: [") and '"msg": [' in line]
print("\n".join("  " + row for row in tables[0]) if tables else "\n".join(lines))
endef
export DEMO_TABLE

demo: venv
	@mkdir -p $(DEMO)
	@export $(RUN_ENV) PATH=$(CURDIR)/$(VENV)/bin:$$PATH ANSIBLE_DISPLAY_SKIPPED_HOSTS=false; \
	trap 'winsim stop --state-dir $(DEMO)' EXIT; \
	winsim start $(WINSIM_START_ARGS); \
	echo; echo "== Manageability before (playbooks/audit.yml)"; \
	ANSIBLE_CALLBACK_RESULT_FORMAT=json ANSIBLE_CALLBACK_FORMAT_PRETTY=0 $(DEMO_PLAY) playbooks/audit.yml \
		| python -c "$$DEMO_TABLE"; \
	echo; echo "== Enable remote management (playbooks/enable_remote_management.yml --diff), except $(DEMO_UNREACHABLE)"; \
	ANSIBLE_DISPLAY_OK_HOSTS=false $(DEMO_PLAY) playbooks/enable_remote_management.yml --diff \
		--limit '!$(DEMO_UNREACHABLE)'; \
	echo "== Manageability after (the MMC firewall rules are on; Server Manager still needs the older hosts' WMF/.NET)"; \
	ANSIBLE_CALLBACK_RESULT_FORMAT=json ANSIBLE_CALLBACK_FORMAT_PRETTY=0 $(DEMO_PLAY) playbooks/audit.yml \
		| python -c "$$DEMO_TABLE"; \
	echo

clean:
	rm -rf $(VENV) $(VENV_OLD) $(VENV_220) $(WORK) tests/output .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -not -path './.git/*' -prune -exec rm -rf {} +

# --- Benchmark (a measurement, not a gate: not part of `make test`) ----------------------------------------------
# 100 simulated hosts in-process; see bench/README.md and docs/performance.md. BENCH_ARGS="--forks 50 ..." to vary.
.PHONY: bench
bench: venv
	$(RUN_ENV) PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/python bench/run_benchmark.py \
		--json $(WORK)/bench/results.json $(BENCH_ARGS)

# 2,000 simulated hosts in one process: start time, peak RSS, observation latency; see docs/performance.md.
.PHONY: bench-fleet
bench-fleet: venv
	$(RUN_ENV) PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/python bench/fleet_scale.py \
		--json $(WORK)/bench/fleet_scale.json $(BENCH_FLEET_ARGS)

# windows/upload of a 64 MiB file to one simulated 2019 and one 2008 R2 host: MB/s, round trips per MB against the
# floor of one Send per envelope (docs/performance.md). BENCH_UPLOAD_ARGS="--mb 16" to vary.
.PHONY: bench-upload
bench-upload: venv
	$(RUN_ENV) PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/python bench/upload.py \
		--json $(WORK)/bench/upload.json $(BENCH_UPLOAD_ARGS)

# The server_pool inventory probing 2,000 simulated endpoints, concurrent and sequential (docs/performance.md).
# BENCH_INVENTORY_ARGS="--slow-latency 2.5 ..." to vary; about 30 minutes, most of it the sequential runs.
.PHONY: bench-inventory
bench-inventory: venv
	$(RUN_ENV) PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/python bench/inventory_probe.py \
		--json $(WORK)/bench/inventory_probe.json $(BENCH_INVENTORY_ARGS)

# The server_pool's Active Directory source reading 10,000 computers from a scratch Samba DC (docs/performance.md).
.PHONY: bench-directory
bench-directory: venv domain-deps
	$(RUN_ENV) PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/python bench/directory_read.py \
		--json $(WORK)/bench/directory_read.json $(BENCH_DIRECTORY_ARGS)

# Parsing a ServerList.xml of 10,000 servers and adding 100 (docs/performance.md).
.PHONY: bench-server-list
bench-server-list: venv
	$(RUN_ENV) $(VENV)/bin/python bench/server_list_parse.py --json $(WORK)/bench/server_list_parse.json
