"""The system packages LearnerPass needs beside its Python ones, installed or named before anything fails obscurely.

python -m learnerpass.syscheck                      # what `make run` needs (Pango for WeasyPrint)
python -m learnerpass.syscheck --browser            # also what the browser tests need (Chromium)
python -m learnerpass.syscheck --browser --install  # install what is missing with apt-get when running as root

`make run` and `make test` call it with --install, so on a fresh Debian machine the README's two commands do all
the set-up. Without root or apt-get it stops with the one command to run.
"""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# WeasyPrint loads Pango, HarfBuzz (and its subsetter, for small PDFs) and fontconfig; DejaVu gives it a font.
PANGO_PACKAGES = ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"]
CHROMIUM_PACKAGES = ["chromium"]


@dataclass
class Missing:
    what: str
    packages: list[str]
    elsewhere: str  # the advice where Debian's apt-get is not available


def weasyprint_problem() -> str | None:
    """Why WeasyPrint cannot load its libraries, or None. Checked in a child process: a failed import of
    WeasyPrint leaves half a module behind, so the check can be repeated after installing."""
    result = subprocess.run(
        [sys.executable, "-c", "import weasyprint"], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode == 0:
        return None
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"exit status {result.returncode}"


def chromium_present() -> bool:
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def missing(*, browser: bool) -> list[Missing]:
    found = []
    problem = weasyprint_problem()
    if problem:
        found.append(Missing(f"Pango for WeasyPrint ({problem})", PANGO_PACKAGES, "macOS: brew install pango"))
    if browser and not chromium_present():
        found.append(
            Missing(
                f"Chromium for the browser tests ({CHROMIUM} is missing)",
                CHROMIUM_PACKAGES,
                "install Chromium and set CHROMIUM_PATH to its binary",
            )
        )
    return found


def can_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def install(packages: list[str]) -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *packages]):
        print("+ " + " ".join(command), flush=True)
        if subprocess.run(command, env=env, check=False).returncode != 0:
            return False
    return True


def apt_line(packages: list[str]) -> str:
    return "sudo apt-get update && sudo apt-get install -y " + " ".join(packages)


def main(argv: list[str]) -> int:
    browser = "--browser" in argv
    found = missing(browser=browser)
    if not found:
        return 0
    packages = [package for need in found for package in need.packages]
    for need in found:
        print(f"Missing: {need.what}.", file=sys.stderr)
    if "--install" in argv and can_install():
        print("Installing Debian packages: " + " ".join(packages), flush=True)
        if install(packages) and not missing(browser=browser):
            return 0
        print("The installation did not provide everything; see apt-get's messages above.", file=sys.stderr)
        return 1
    if shutil.which("apt-get"):
        print(f"Run this, then the same make command again:  {apt_line(packages)}", file=sys.stderr)
    else:
        print(
            "Install them, then run the same make command again: " + "; ".join(n.elsewhere for n in found),
            file=sys.stderr,
        )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
