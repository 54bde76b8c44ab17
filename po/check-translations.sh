#!/bin/sh
# Checks every translation listed in po/LINGUAS against a fresh template.
#
#   po/check-translations.sh [BUILDDIR]
#
# BUILDDIR is a configured meson build directory (default: build). The
# template is regenerated there, each .po is merged with it in a temporary
# copy (the .po files themselves are not touched), and the script fails if
# any message is untranslated or fuzzy, if msgfmt --check finds a format or
# header error, or if a translation loses a mnemonic, a leading or trailing
# newline or space, or the final punctuation of its msgid.
set -eu

cd "$(dirname "$0")/.."
builddir=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -d "$builddir" ] && meson compile -C "$builddir" signpost-pot >/dev/null 2>&1; then
  cp po/signpost.pot "$tmp/signpost.pot"
else
  echo "note: could not build the template in $builddir; running xgettext directly" >&2
  xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 \
    --keyword=NC_:1c,2 --keyword=g_dngettext:2,3 --keyword=ngettext:1,2 \
    --add-comments --files-from=po/POTFILES.in --directory=. \
    --package-name=signpost -o "$tmp/signpost.pot" 2>/dev/null
fi

status=0
for lang in $(sed -e 's/#.*//' po/LINGUAS); do
  po=po/$lang.po
  if [ ! -f "$po" ]; then
    echo "$po: listed in po/LINGUAS but missing" >&2
    status=1
    continue
  fi
  msgmerge --quiet --no-fuzzy-matching "$po" "$tmp/signpost.pot" -o "$tmp/$lang.po"
  stats=$(LC_ALL=C msgfmt --check --check-format --statistics -o /dev/null "$tmp/$lang.po" 2>&1) || status=1
  echo "$lang: $stats"
  case "$stats" in
    *untranslated*|*fuzzy*|*error*) status=1 ;;
  esac
  python3 - "$tmp/$lang.po" "$po" <<'EOF' || status=1
import re, sys

path, shown = sys.argv[1], sys.argv[2]

def unquote(s):
    return bytes(s, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")

entries, cur, key = [], None, None
for raw in open(path, encoding="utf-8"):
    line = raw.rstrip("\n")
    if line.startswith("#~"):
        continue
    if not line.strip():
        if cur:
            entries.append(cur)
        cur, key = None, None
        continue
    if line.startswith("#"):
        cur = cur or {"line": 0, "strs": {}}
        if line.startswith("#,"):
            cur["flags"] = line
        continue
    cur = cur or {"line": 0, "strs": {}}
    m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
    if m:
        key = m.group(1)
        cur["strs"][key] = unquote(m.group(2))
    elif line.startswith('"') and key:
        cur["strs"][key] += unquote(line[1:-1])
if cur:
    entries.append(cur)

problems = 0
def complain(msgid, text):
    global problems
    problems += 1
    print(f"{shown}: {text}: {msgid[:70]!r}", file=sys.stderr)

def has_mnemonic(text):
    # One underscore before a letter, in a short label; not a code such as
    # low_back_pain or a placeholder such as NEW_STATUS.
    if text.count("_") != 1 or len(text) > 60 or "signpost" in text:
        return False
    word = next(w for w in text.split() if "_" in w)
    return bool(re.search(r"_\w", word)) and not re.fullmatch(r"\W*[A-Z]+_[A-Z]+\W*", word)

for e in entries:
    s = e["strs"]
    msgid = s.get("msgid", "")
    if not msgid:
        continue
    for k, v in s.items():
        if not k.startswith("msgstr") or not v:
            continue
        src = s["msgid_plural"] if k not in ("msgstr", "msgstr[1]") and "msgid_plural" in s else msgid
        if has_mnemonic(msgid) and not has_mnemonic(v):
            complain(msgid, "mnemonic lost or doubled")
        for end in ("\n",):
            if src.endswith(end) != v.endswith(end):
                complain(msgid, "trailing newline differs")
            if src.startswith(end) != v.startswith(end):
                complain(msgid, "leading newline differs")
        if src[:1] == " " and v[:1] != " ":
            complain(msgid, "leading space lost")
        if src[-1:] == " " and v[-1:] != " ":
            complain(msgid, "trailing space lost")
        if src.rstrip("\n")[-1:] in ".:;?…" and v.rstrip("\n")[-1:] != src.rstrip("\n")[-1:]:
            complain(msgid, "final punctuation differs")
sys.exit(1 if problems else 0)
EOF
done
exit $status
