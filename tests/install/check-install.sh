#!/usr/bin/env bash
# Installs the build into a temporary DESTDIR and compiles a tiny program against the installed
# header and library through pkg-config (gstreamer-emotion-1.0), then runs it.
#   check-install.sh BUILD_DIR
set -euo pipefail
build="$(cd "${1:?usage: check-install.sh BUILD_DIR}" && pwd)"
dest="$(mktemp -d)"
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --no-rebuild --destdir "$dest" >"$dest/install.log" 2>&1 \
  || { cat "$dest/install.log"; exit 1; }
pc="$(find "$dest" -name gstreamer-emotion-1.0.pc | head -n1)"
[ -n "$pc" ] || { echo "FAIL: gstreamer-emotion-1.0.pc not installed"; exit 1; }
echo "installed $pc"
# the .pc file says prefix=/usr/local (or whatever was configured): relocate it into DESTDIR,
# the way a packager's staging area is used; gstreamer-1.0 comes from the system
mkdir -p "$dest/pc"
prefix="$(sed -n 's/^prefix=//p' "$pc")"
sed -e "s|^prefix=.*|prefix=$dest$prefix|" "$pc" >"$dest/pc/gstreamer-emotion-1.0.pc"
export PKG_CONFIG_PATH="$dest/pc"
cflags="$(pkg-config --cflags gstreamer-emotion-1.0)"
libs="$(pkg-config --libs gstreamer-emotion-1.0)"
echo "cflags: $cflags"
echo "libs:   $libs"

cat >"$dest/app.c" <<'C'
#include <gst/emotion/emotion.h>
#include <stdio.h>
int main (int argc, char **argv) {
  gst_init (&argc, &argv);
  const gchar *labels[] = { "angry", "happy", "neutral", "sad" };
  const gfloat scores[] = { 0.1f, 0.2f, 0.6f, 0.1f };
  GstBuffer *b = gst_buffer_new ();
  gst_buffer_add_emotion_meta (b, 4, labels, scores, "seg1", "m");
  GstEmotionMeta *meta = gst_buffer_get_emotion_meta (b);
  GstEvent *e = gst_emotion_event_new_segment_start ("seg1", "emotion", "sad", NULL);
  int ok = meta && meta->best == 2 && g_str_equal (gst_emotion_meta_get_label (meta), "neutral")
      && gst_emotion_event_is_segment_start (e)
      && g_str_equal (gst_emotion_event_get_field (e, "emotion"), "sad");
  printf ("%s %s\n", ok ? "ok" : "FAIL", meta ? gst_emotion_meta_get_label (meta) : "-");
  gst_event_unref (e);
  gst_buffer_unref (b);
  return ok ? 0 : 1;
}
C
cc -o "$dest/app" "$dest/app.c" $cflags $libs
libdir="$(dirname "$(find "$dest" -name 'libgstemotion-1.0.so*' | head -n1)")"
LD_LIBRARY_PATH="$libdir" "$dest/app"
echo "compiled and ran a program against the installed gstreamer-emotion-1.0"
