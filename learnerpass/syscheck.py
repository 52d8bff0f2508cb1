"""Say exactly which system package is missing before anything fails obscurely.

python -m learnerpass.syscheck            # what `make run` needs
python -m learnerpass.syscheck --browser  # also what the browser tests need
"""

import os
import shutil
import sys

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def problems(*, browser: bool) -> list[str]:
    found = []
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:
        found.append(
            f"WeasyPrint cannot load Pango/cairo ({exc}).\n"
            "  Debian/Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core\n"
            "  macOS: brew install pango"
        )
    if browser and not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        found.append(
            f"The browser tests drive the system Chromium, and {CHROMIUM} is missing.\n"
            "  Debian/Ubuntu: sudo apt-get install chromium   (or set CHROMIUM_PATH to a Chromium binary)"
        )
    return found


def main() -> int:
    found = problems(browser="--browser" in sys.argv)
    for problem in found:
        print("Missing system dependency: " + problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
