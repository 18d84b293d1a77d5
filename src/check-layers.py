#!/usr/bin/env python3
"""Fails the build when a file of the core includes a layer it may not use.

The core's layers and what each may include (besides itself and the standard and third-party
libraries); nothing under src/ includes GStreamer or GLib. Keep in step with src/meson.build.
"""
import pathlib
import re
import sys

ALLOWED = {
    "dsp": set(),
    "nn": set(),
    "io": {"nn"},
    "text": {"io", "nn"},
    "models": {"text", "io", "nn", "dsp"},
    "train": {"models", "text", "io", "nn", "dsp"},
    "stream": {"dsp"},
}
FORBIDDEN_SYSTEM = re.compile(r'#\s*include\s*<(gst/|glib|gio/|gobject/)')
OWN_INCLUDE = re.compile(r'#\s*include\s*"([a-z_]+)/')


def main(src, stamp):
    root = pathlib.Path(src)
    errors = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".h", ".cpp"):
            continue
        layer = path.relative_to(root).parts[0]
        if layer not in ALLOWED:
            errors.append(f"{path}: folder '{layer}' is no layer of check-layers.py")
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FORBIDDEN_SYSTEM.search(line):
                errors.append(f"{path}:{number}: the core never includes GStreamer or GLib: {line.strip()}")
            match = OWN_INCLUDE.search(line)
            if match and match.group(1) != layer and match.group(1) not in ALLOWED[layer]:
                used = match.group(1)
                errors.append(f"{path}:{number}: layer '{layer}' may not include '{used}' "
                              f"(allowed: {', '.join(sorted(ALLOWED[layer])) or 'none'}): {line.strip()}")
    if errors:
        sys.stderr.write("\n".join(errors) + "\n")
        return 1
    pathlib.Path(stamp).write_text("ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
