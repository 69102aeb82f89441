#!/usr/bin/env bash
# Checks that every C++ file follows .clang-format; prints the files that do not.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=()
while IFS= read -r file; do
    clang-format --dry-run -Werror "${file}" >/dev/null 2>&1 || bad+=("${file}")
done < <(git ls-files '*.cpp' '*.hpp')
if [[ ${#bad[@]} -gt 0 ]]; then
    echo "clang-format disagrees with: ${bad[*]}"
    echo "fix with: clang-format -i ${bad[*]}"
    exit 1
fi
echo "format: all $(git ls-files '*.cpp' '*.hpp' | wc -l) C++ files are formatted"
