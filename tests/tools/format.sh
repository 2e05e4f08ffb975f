#!/usr/bin/env bash
# The C sources keep one style (.clang-format at the top of the tree): clang-format
# --dry-run reports any line it would change. Usage: format.sh SOURCE_DIR
# To apply the style: clang-format -i $(find lib tools examples tests bench -name '*.[ch]')
set -euo pipefail
src=${1:?usage: format.sh SOURCE_DIR}
command -v clang-format >/dev/null || { echo "SKIP: clang-format is not installed (scripts/setup-deps.sh installs it)"; exit 77; }
cd "$src"
mapfile -t files < <(find lib tools examples tests bench -name '*.[ch]' -not -path '*/build/*' | sort)
[ ${#files[@]} -gt 50 ] || { echo "FAIL: only ${#files[@]} C files found under $src"; exit 1; }
if ! out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1); then
  echo "$out" | grep -E '^[^ ].*: (error|warning):' | head -20
  echo "FAIL: $(echo "$out" | grep -cE ': (error|warning):') lines differ from .clang-format's style;" \
       "apply it with: clang-format -i \$(find lib tools examples tests bench -name '*.[ch]')"
  exit 1
fi
echo "PASS: ${#files[@]} C files in one style"
