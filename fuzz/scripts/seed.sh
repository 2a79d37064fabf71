#!/bin/sh
# Seeds the fuzz corpora from the document cases.
#
# Every document of cases/documents/ (the case files themselves excluded) is
# copied into fuzz/corpus/<target>/ for each target, named by its sha1, so
# running the script twice changes nothing. The corpora are not committed
# (fuzz/.gitignore): run this script after a fresh clone, before `cargo fuzz
# run`. The committed regression inputs under fuzz/seeds/ are added too.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/.." && pwd)
for target in check fmt parse; do
    dir="$here/corpus/$target"
    mkdir -p "$dir"
    mkdir -p "$here/seeds"
    find "$root/cases/documents" "$here/seeds" -type f \
        \( -name '*.json' -o -name '*.txt' -o -name '*.bin' \) ! -name '*.case.json' |
        while read -r f; do
            sum=$(sha1sum "$f" | cut -c1-40)
            cp "$f" "$dir/$sum"
        done
    echo "$target: $(ls "$dir" | wc -l) seeds"
done
