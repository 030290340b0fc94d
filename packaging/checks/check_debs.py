#!/usr/bin/env python3
"""Builds FleetDeck's Debian packages with CPack and checks what is inside them.

Runs `cpack -G DEB` with the build folder's CPackConfig.cmake into a scratch folder (the binaries
must be built already), then reads both packages with `dpkg-deb -I`/`-c`, unpacks them with
`dpkg-deb -x` and checks:
  fleetdeck-services  every service executable and the launcher in /usr/bin, a systemd unit per
                      service (ExecStart = a packaged binary, runs as the fleetdeck user) plus
                      fleetdeck.target, the default configs in /etc/fleetdeck marked as conffiles,
                      the Prometheus template and rule files (identical to resources/prometheus) and
                      the demo data in /usr/share/fleetdeck, maintainer scripts (fleetdeck.env
                      shipped 0640 and given to group fleetdeck; the units' enable links recorded
                      on configure and removed on purge, simulated with deb-systemd-helper in a
                      DPKG_ROOT scratch tree); the unpacked launcher finds all of it relative to
                      itself (`fleetdeck-launcher paths`)
  fleetdeck-console   /usr/bin/fleetdeck-console, a valid .desktop entry (desktop-file-validate when
                      installed) whose Exec and Icon are in the package, the translations of
                      translations/*.ts compiled into the binary
  both                Package, Version, Architecture, Maintainer, Description (own synopsis) and
                      Depends fields, every Depends package known to dpkg on this machine, files only
                      under /usr and /etc, and no RPATH/RUNPATH in any ELF file (so nothing points
                      into the build tree)

Every problem is printed as `FAIL <package>: <what>`; the exit status is 1 then. Exit status 77 means
a tool (cpack, dpkg-deb, readelf) is missing or nothing is built: CTest reports the test as skipped.
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SKIPPED = 77

SERVICES = ["users", "products", "orders", "payments", "notifications", "gateway"]
SERVICE_EXECUTABLES = [f"fleetdeck-{s}" for s in SERVICES] + ["fleetdeck-launcher"]
ALLOWED_ROOTS = ("./usr/", "./etc/")
REQUIRED_FIELDS = ["Package", "Version", "Architecture", "Maintainer", "Description", "Depends", "Section",
                   "Installed-Size"]
# Shared libraries the services link for certain; dpkg-shlibdeps must have found them. gRPC, protobuf
# and Abseil are not among them: they are linked statically (FLEETDECK_STATIC_GRPC), while OpenSSL and
# c-ares, which gRPC uses, stay shared.
SERVICES_MUST_DEPEND = ["libc6", "libstdc++6", "libssl3", "libc-ares2", "libpqxx-6.4", "libnats3.4", "adduser"]
CONSOLE_MUST_DEPEND = ["libc6", "libqt6core6", "libqt6widgets6", "libqt6network6", "libqt6charts6"]


class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.checked = 0

    def check(self, condition: bool, package: str, message: str) -> bool:
        self.checked += 1
        if not condition:
            self.failures.append(f"FAIL {package}: {message}")
        return condition


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=False, capture_output=True, text=True, **kwargs)


def control_fields(deb: Path) -> dict[str, str]:
    """The control file of a .deb as a dict; continuation lines are joined with newlines."""
    text = run(["dpkg-deb", "-f", str(deb)]).stdout
    fields: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if line.startswith((" ", "\t")) and current:
            fields[current] += "\n" + line
        elif ":" in line:
            current, value = line.split(":", 1)
            fields[current] = value.strip()
    return fields


def depends_names(value: str) -> list[str]:
    """Package names of a Depends field (first alternative of each, without versions)."""
    names = []
    for clause in value.split(","):
        first = clause.split("|")[0].strip()
        if first:
            names.append(re.split(r"[\s(:]", first, maxsplit=1)[0])
    return names


def contents(deb: Path) -> list[str]:
    """Paths in the package as `dpkg-deb -c` lists them (./usr/bin/x), directories with a trailing /."""
    return list(listing(deb))


def listing(deb: Path) -> dict[str, tuple[str, str]]:
    """Path -> (mode string such as -rw-r-----, owner/group) as `dpkg-deb -c` lists them."""
    entries = {}
    for line in run(["dpkg-deb", "-c", str(deb)]).stdout.splitlines():
        parts = line.split(None, 5)
        if len(parts) == 6:
            entries[parts[5].split(" -> ")[0]] = (parts[0], parts[1])
    return entries


def script_units(text: str) -> list[str]:
    """The UNITS="..." list of a maintainer script."""
    match = re.search(r'^UNITS="([^"]*)"', text, re.MULTILINE)
    return match.group(1).split() if match else []


def simulate_enable_and_purge(report: Report, root: Path, scratch: Path, units: list[str]) -> None:
    """What the maintainer scripts do with deb-systemd-helper, in a DPKG_ROOT scratch tree: configure
    (update-state), `systemctl enable` by the administrator (the [Install] WantedBy links), removal of
    the unit files, purge. Every link must be gone afterwards."""
    helper = shutil.which("deb-systemd-helper")
    if not helper:
        print("note: deb-systemd-helper not found (init-system-helpers): purge of enabled units not simulated")
        return
    fake = scratch / "dpkg-root"
    unit_dir = fake / "usr" / "lib" / "systemd" / "system"
    unit_dir.mkdir(parents=True)
    for unit in units:
        source = root / "usr" / "lib" / "systemd" / "system" / unit
        if source.is_file():
            shutil.copy(source, unit_dir / unit)
    environment = dict(os.environ, DPKG_ROOT=str(fake), DPKG_MAINTSCRIPT_PACKAGE="fleetdeck-services")
    result = run([helper, "update-state", *units], env=environment)
    report.check(result.returncode == 0, "fleetdeck-services", f"deb-systemd-helper update-state: {result.stderr}")
    links = []
    for unit in units:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        if (unit_dir / unit).is_file():
            parser.read_string((unit_dir / unit).read_text(encoding="utf-8"))
        for target in parser.get("Install", "WantedBy", fallback="").split():
            link = fake / "etc" / "systemd" / "system" / f"{target}.wants" / unit
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(f"/usr/lib/systemd/system/{unit}")
            links.append(link)
    report.check(bool(links), "fleetdeck-services", "no unit has an [Install] WantedBy= to enable it with")
    shutil.rmtree(unit_dir)
    result = run([helper, "purge", *units], env=environment)
    report.check(result.returncode == 0, "fleetdeck-services", f"deb-systemd-helper purge: {result.stderr}")
    left = [str(link.relative_to(fake)) for link in links if link.is_symlink()]
    report.check(not left, "fleetdeck-services", "after purge the links `systemctl enable` made are left dangling: "
                 + ", ".join(left))


def control_member(deb: Path, scratch: Path, name: str) -> str | None:
    folder = scratch / f"control-{deb.stem}"
    if not folder.exists():
        run(["dpkg-deb", "-e", str(deb), str(folder)])
    path = folder / name
    return path.read_text(encoding="utf-8") if path.exists() else None


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def check_common(report: Report, name: str, deb: Path, files: list[str], root: Path, readelf: str) -> dict:
    fields = control_fields(deb)
    for field in REQUIRED_FIELDS:
        report.check(bool(fields.get(field)), name, f"control field {field} is missing or empty")
    report.check(fields.get("Package") == name, name, f"Package is {fields.get('Package')!r}")
    synopsis = fields.get("Description", "").split("\n")[0]
    report.check("built using CMake" not in synopsis and len(synopsis) <= 80, name,
                 f"Description synopsis {synopsis!r} is CPack's default or longer than 80 characters")
    report.check("\n" in fields.get("Description", ""), name, "Description has no extended description")
    for dependency in depends_names(fields.get("Depends", "")):
        known = run(["dpkg-query", "-W", "-f=${Status}", dependency]).stdout
        report.check("installed" in known, name,
                     f"Depends on {dependency}, which is not installed on this (the build) machine")
    for path in files:
        if path == "./" or path.endswith("/"):
            continue
        report.check(path.startswith(ALLOWED_ROOTS), name, f"{path} is outside /usr and /etc")
        report.check(not path.startswith(("./usr/local/", "./usr/etc/")), name, f"{path}: not a Debian path")
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink() or not is_elf(path):
            continue
        dynamic = run([readelf, "-d", str(path)]).stdout
        paths = [line for line in dynamic.splitlines() if "(RPATH)" in line or "(RUNPATH)" in line]
        report.check(not paths, name, f"/{path.relative_to(root)} has an RPATH/RUNPATH: {' '.join(paths).strip()}")
        report.check("(NEEDED)" in dynamic, name, f"/{path.relative_to(root)}: readelf shows no dynamic section")
    return fields


def check_unit(report: Report, root: Path, unit: Path, service: str) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    try:
        parser.read_string(unit.read_text(encoding="utf-8"))
    except configparser.Error as error:
        report.check(False, "fleetdeck-services", f"{unit.name} does not parse: {error}")
        return
    for section in ("Unit", "Service", "Install"):
        report.check(parser.has_section(section), "fleetdeck-services", f"{unit.name} has no [{section}]")
    if not parser.has_section("Service"):
        return
    exec_start = parser.get("Service", "ExecStart", fallback="")
    binary = exec_start.split()[0] if exec_start else ""
    report.check(binary == f"/usr/bin/fleetdeck-{service}", "fleetdeck-services",
                 f"{unit.name} ExecStart runs {binary!r}, not /usr/bin/fleetdeck-{service}")
    report.check(bool(binary) and (root / binary.lstrip("/")).is_file(), "fleetdeck-services",
                 f"{unit.name} ExecStart {binary!r} is not in the package")
    config = f"/etc/fleetdeck/{service}.toml"
    if (REPO / "services" / service / "config" / f"{service}.toml").exists():
        report.check(f"--config {config}" in exec_start, "fleetdeck-services",
                     f"{unit.name} ExecStart does not pass --config {config}")
    report.check(parser.get("Service", "User", fallback="") == "fleetdeck", "fleetdeck-services",
                 f"{unit.name} does not run as the fleetdeck system user")
    report.check(parser.get("Install", "WantedBy", fallback="") == "fleetdeck.target", "fleetdeck-services",
                 f"{unit.name} is not WantedBy=fleetdeck.target")
    report.check(parser.get("Service", "LogsDirectory", fallback="") == "fleetdeck", "fleetdeck-services",
                 f"{unit.name} has no LogsDirectory=fleetdeck: a [log] file under /var/log cannot be written "
                 "(ProtectSystem=strict), and the process aborts at start")
    # Services exit 78 (EX_CONFIG) for a bad setting, 1 for a dependency not up yet: the one must not be
    # retried, the other must be retried for as long as it lasts (a start limit gave up after a minute).
    report.check("78" in parser.get("Service", "RestartPreventExitStatus", fallback="").split(), "fleetdeck-services",
                 f"{unit.name} has no RestartPreventExitStatus=78: a bad setting is restarted for ever")
    report.check(parser.get("Unit", "StartLimitIntervalSec", fallback="") == "0", "fleetdeck-services",
                 f"{unit.name} keeps a start limit: a database late after a reboot fails the unit for good")
    verify = shutil.which("systemd-analyze")
    if verify:
        # Only syntax: the paths it names exist on the target machine, not in the scratch folder.
        result = run([verify, "verify", "--man=no", str(unit)])
        unknown = [line for line in (result.stderr + result.stdout).splitlines()
                   if "Unknown key" in line or "Unknown section" in line or "Invalid" in line]
        report.check(not unknown, "fleetdeck-services", f"{unit.name}: systemd-analyze: {'; '.join(unknown)}")


def check_services(report: Report, deb: Path, scratch: Path, readelf: str) -> None:
    name = "fleetdeck-services"
    files = contents(deb)
    root = scratch / name
    run(["dpkg-deb", "-x", str(deb), str(root)])
    fields = check_common(report, name, deb, files, root, readelf)
    depends = depends_names(fields.get("Depends", ""))
    for library in SERVICES_MUST_DEPEND:
        report.check(library in depends, name, f"Depends lacks {library} (got {', '.join(depends)})")

    for executable in SERVICE_EXECUTABLES:
        path = root / "usr" / "bin" / executable
        report.check(path.is_file() and os.access(path, os.X_OK), name, f"/usr/bin/{executable} missing or not executable")
    for service in SERVICES:
        unit = root / "usr" / "lib" / "systemd" / "system" / f"fleetdeck-{service}.service"
        if report.check(unit.is_file(), name, f"systemd unit /usr/lib/systemd/system/{unit.name} missing"):
            check_unit(report, root, unit, service)
    report.check((root / "usr" / "lib" / "systemd" / "system" / "fleetdeck.target").is_file(), name,
                 "fleetdeck.target missing")

    # Default configs: every service's TOML file, in /etc (not /usr/etc), each a conffile.
    conffiles = set((control_member(deb, scratch, "conffiles") or "").split())
    for service in SERVICES:
        if not (REPO / "services" / service / "config" / f"{service}.toml").exists():
            continue
        target = f"/etc/fleetdeck/{service}.toml"
        if report.check((root / target.lstrip("/")).is_file(), name, f"{target} missing"):
            same = (root / target.lstrip("/")).read_bytes() == (
                REPO / "services" / service / "config" / f"{service}.toml").read_bytes()
            report.check(same, name, f"{target} differs from services/{service}/config/{service}.toml")
        report.check(target in conffiles, name, f"{target} is not a conffile")
    for conffile in conffiles:
        report.check((root / conffile.lstrip("/")).is_file(), name, f"conffile {conffile} is not in the package")
    etc_files = {"/" + p[2:] for p in files if p.startswith("./etc/") and not p.endswith("/")}
    for path in sorted(etc_files - conffiles):
        report.check(False, name, f"{path} is under /etc but not a conffile (an upgrade would overwrite edits)")
    for script in ("postinst", "prerm", "postrm"):
        text = control_member(deb, scratch, script)
        report.check(text is not None and text.startswith("#!/bin/sh"), name, f"maintainer script {script} missing")
    postinst = control_member(deb, scratch, "postinst") or ""
    report.check("adduser --system" in postinst and "fleetdeck" in postinst, name,
                 "postinst does not create the fleetdeck system user")
    report.check("try-restart" in postinst, name, "postinst does not restart running services on an upgrade")
    postrm = control_member(deb, scratch, "postrm") or ""
    purge = postrm[postrm.find('"purge"'):] if '"purge"' in postrm else ""
    report.check("/etc/fleetdeck/" in purge and ".env" in purge, name,
                 "postrm purge leaves /etc/fleetdeck/*.env (database passwords) behind")

    # The shared environment file may carry credentials (a NATS URL with a password): shipped 0640,
    # given to group fleetdeck by postinst (the group does not exist before it runs).
    modes = listing(deb)
    env_file = "./etc/fleetdeck/fleetdeck.env"
    if report.check(env_file in modes, name, f"{env_file[1:]} missing"):
        report.check(modes[env_file][0] == "-rw-r-----", name,
                     f"{env_file[1:]} is {modes[env_file][0]}, expected -rw-r----- (it may carry credentials)")
    configure = postinst[postinst.find('"configure"'):] if '"configure"' in postinst else ""
    report.check(re.search(r"chown root:fleetdeck \"?(\$ENV_FILE|/etc/fleetdeck/fleetdeck\.env)", configure) is not None
                 and re.search(r"chmod 0640 \"?(\$ENV_FILE|/etc/fleetdeck/fleetdeck\.env)", configure) is not None
                 and "/etc/fleetdeck/fleetdeck.env" in postinst, name,
                 "postinst configure does not make /etc/fleetdeck/fleetdeck.env root:fleetdeck 0640")

    # Units enabled by the administrator are disabled on purge: postinst records their links with
    # deb-systemd-helper update-state, postrm purge removes them (deb-systemd-helper purge).
    packaged_units = sorted(p.name for p in (root / "usr" / "lib" / "systemd" / "system").glob("*")
                            if p.suffix in (".service", ".target"))
    for script, text, call in (("postinst", configure, "deb-systemd-helper update-state $UNITS"),
                               ("postrm", purge, "deb-systemd-helper purge $UNITS")):
        full = postinst if script == "postinst" else postrm
        report.check(sorted(script_units(full)) == packaged_units, name,
                     f"{script} UNITS={script_units(full)} differs from the packaged units {packaged_units}")
        report.check(call in text, name, f"{script} does not run `{call}`"
                     + (" on configure" if script == "postinst" else " on purge"))
    simulate_enable_and_purge(report, root, scratch, packaged_units)

    # What the launcher reads: identical to the source tree's resources.
    share = root / "usr" / "share" / "fleetdeck"
    for relative in ["prometheus/prometheus.yml.template"] + [
            f"prometheus/rules/{p.name}" for p in sorted((REPO / "resources" / "prometheus" / "rules").glob("*.rules.yml"))] + [
            f"demo/{p.name}" for p in sorted((REPO / "resources" / "demo").glob("*.json"))]:
        source = REPO / "resources" / relative
        packaged = share / relative
        if report.check(packaged.is_file(), name, f"/usr/share/fleetdeck/{relative} missing"):
            report.check(packaged.read_bytes() == source.read_bytes(), name,
                         f"/usr/share/fleetdeck/{relative} differs from resources/{relative}")

    # The unpacked launcher finds everything relative to itself, as it does under /usr.
    launcher = root / "usr" / "bin" / "fleetdeck-launcher"
    if launcher.is_file():
        environment = {k: v for k, v in os.environ.items() if not k.startswith("FLEETDECK_")}
        result = run([str(launcher), "paths", "--data", str(scratch / "data")], env=environment, cwd=scratch)
        output = result.stdout
        report.check(result.returncode == 0, name, f"fleetdeck-launcher paths exited {result.returncode}: {result.stderr}")
        report.check("MISSING" not in output, name, f"the unpacked launcher misses executables:\n{output}")
        expectations = {
            "binaries": f"{root}/usr/bin (installed)",
            "config": f"{root}/etc/fleetdeck/{{name}}.toml (installed)",
            "prometheus": f"{share}/prometheus (installed)",
            "demo": f"{share}/demo (installed)",
        }
        for label, expected in expectations.items():
            line = next((l for l in output.splitlines() if l.startswith(label + " ")), "")
            report.check(line.split(None, 1)[-1].strip() == expected if line else False, name,
                         f"unpacked launcher: {label} is {line.split(None, 1)[-1].strip() if line else 'not printed'!r}, "
                         f"expected {expected!r}")
        # Environment overrides win over the installed layout.
        overridden = dict(environment, FLEETDECK_BIN_DIR=str(scratch / "bin"), FLEETDECK_CONFIG_DIR=str(scratch / "etc"),
                          FLEETDECK_SHARE_DIR=str(scratch / "share"))
        output = run([str(launcher), "paths", "--data", str(scratch / "data")], env=overridden, cwd=scratch).stdout
        for label, expected in {"binaries": f"{scratch}/bin (FLEETDECK_BIN_DIR)",
                                "config": f"{scratch}/etc/{{name}}.toml (FLEETDECK_CONFIG_DIR)",
                                "prometheus": f"{scratch}/share/prometheus (FLEETDECK_SHARE_DIR)"}.items():
            line = next((l for l in output.splitlines() if l.startswith(label + " ")), "")
            report.check(bool(line) and line.split(None, 1)[-1].strip() == expected, name,
                         f"launcher with FLEETDECK_*_DIR set: {label} line {line!r}, expected {expected!r}")
    report.check((root / "usr" / "share" / "doc" / name / "operations.md").is_file(), name,
                 f"/usr/share/doc/{name}/operations.md missing (the systemd units' Documentation=)")
    print(f"{name}: {len([f for f in files if not f.endswith('/')])} files, Depends: {fields.get('Depends', '')}")


def utf16_resource_name(name: str) -> bytes:
    # rcc stores resource names as UTF-16 big endian in the binary's resource tree.
    return name.encode("utf-16-be")


def check_console(report: Report, deb: Path, scratch: Path, readelf: str) -> None:
    name = "fleetdeck-console"
    files = contents(deb)
    root = scratch / name
    run(["dpkg-deb", "-x", str(deb), str(root)])
    fields = check_common(report, name, deb, files, root, readelf)
    depends = depends_names(fields.get("Depends", ""))
    for library in CONSOLE_MUST_DEPEND:
        report.check(library in depends, name, f"Depends lacks {library} (got {', '.join(depends)})")
    binary = root / "usr" / "bin" / "fleetdeck-console"
    report.check(binary.is_file() and os.access(binary, os.X_OK), name, "/usr/bin/fleetdeck-console missing")

    desktop = root / "usr" / "share" / "applications" / "fleetdeck-console.desktop"
    if report.check(desktop.is_file(), name, "/usr/share/applications/fleetdeck-console.desktop missing"):
        validator = shutil.which("desktop-file-validate")
        if validator:
            result = run([validator, str(desktop)])
            report.check(result.returncode == 0 and "error" not in result.stdout.lower(), name,
                         f"desktop-file-validate: {result.stdout.strip()} {result.stderr.strip()}")
        else:
            print("note: desktop-file-validate not found (Debian package desktop-file-utils): entry checked by hand only")
        entry = configparser.ConfigParser(strict=False, interpolation=None)
        entry.optionxform = str
        entry.read_string(desktop.read_text(encoding="utf-8"))
        section = entry["Desktop Entry"] if entry.has_section("Desktop Entry") else {}
        report.check(section.get("Type") == "Application", name, "desktop entry Type is not Application")
        program = (section.get("Exec") or "").split()[0] if section.get("Exec") else ""
        report.check(bool(program) and (root / "usr" / "bin" / program).is_file(), name,
                     f"desktop entry Exec={program!r} is not a packaged /usr/bin program")
        icon = section.get("Icon", "")
        icons = list((root / "usr" / "share" / "icons" / "hicolor").glob(f"*/apps/{icon}.*")) if icon else []
        report.check(bool(icons), name, f"desktop entry Icon={icon!r} has no file under /usr/share/icons/hicolor/*/apps")
        report.check(any(key.startswith("Name[zh_CN]") for key in section), name, "desktop entry has no Name[zh_CN]")

    # The console's translations are compiled in (qt_add_translations, :/i18n/fleetdeck_<lang>.qm).
    if binary.is_file():
        data = binary.read_bytes()
        for ts in sorted((REPO / "translations").glob("fleetdeck_*.ts")):
            qm = ts.with_suffix(".qm").name
            report.check(utf16_resource_name(qm) in data, name,
                         f"translation {qm} (from translations/{ts.name}) is not embedded in /usr/bin/fleetdeck-console")
    print(f"{name}: {len([f for f in files if not f.endswith('/')])} files, Depends: {fields.get('Depends', '')}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", required=True, help="the CMake build folder (holds CPackConfig.cmake)")
    parser.add_argument("--cpack", default=shutil.which("cpack"), help="cpack (default: from PATH)")
    parser.add_argument("--output", help="folder for the packages (default: <build-dir>/packages/check)")
    parser.add_argument("--keep", action="store_true", help="keep the unpacked packages for a look")
    args = parser.parse_args()

    build = Path(args.build_dir).resolve()
    tools = {"cpack": args.cpack, "dpkg-deb": shutil.which("dpkg-deb"), "readelf": shutil.which("readelf")}
    missing = [tool for tool, path in tools.items() if not path]
    if missing:
        print(f"SKIP: {', '.join(missing)} not found")
        return SKIPPED
    config = build / "CPackConfig.cmake"
    if not config.exists():
        print(f"SKIP: {config} does not exist (configure the build first)")
        return SKIPPED
    launcher = build / "services" / "launcher" / "fleetdeck-launcher"
    if not launcher.exists():
        print(f"SKIP: {launcher} is not built")
        return SKIPPED
    console_built = (build / "app" / "fleetdeck-console").exists()

    output = Path(args.output) if args.output else build / "packages" / "check"
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    command = [tools["cpack"], "-G", "DEB", "--config", str(config), "-B", str(output)]
    if not console_built:
        command[1:1] = ["-D", "CPACK_COMPONENTS_ALL=services"]  # installing a missing console would fail
    print("$", " ".join(command))
    result = run(command, cwd=build)
    if result.returncode != 0:
        print(result.stdout, result.stderr)
        print("FAIL cpack: exited", result.returncode)
        return 1
    debs = {deb.name.split("_")[0]: deb for deb in output.glob("*.deb")}
    print("packages:", ", ".join(sorted(d.name for d in debs.values())))

    report = Report()
    with tempfile.TemporaryDirectory(prefix="fleetdeck-debs-", dir=output) as scratch_name:
        scratch = Path(scratch_name)
        if report.check("fleetdeck-services" in debs, "fleetdeck-services", "cpack made no fleetdeck-services .deb"):
            check_services(report, debs["fleetdeck-services"], scratch, tools["readelf"])
        if console_built:
            if report.check("fleetdeck-console" in debs, "fleetdeck-console", "cpack made no fleetdeck-console .deb"):
                check_console(report, debs["fleetdeck-console"], scratch, tools["readelf"])
        else:
            print("note: the console is not built (FLEETDECK_BUILD_CONSOLE=OFF): fleetdeck-console not checked")
        if args.keep:
            kept = output / "unpacked"
            shutil.copytree(scratch, kept, symlinks=True)
            print(f"unpacked packages kept in {kept}")

    for failure in report.failures:
        print(failure)
    if report.failures:
        print(f"deb checks: {len(report.failures)} of {report.checked} checks failed")
        return 1
    print(f"deb checks: OK ({report.checked} checks; packages in {output})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
