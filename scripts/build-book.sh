#!/usr/bin/env bash
# Builds the book under docs/ with mdBook into target/book/. mdBook comes
# from crates.io (`cargo install`, into target/tools, once) when it is not
# on the PATH; when it cannot be installed (no registry), the book is not
# built and the script says so without failing: its tables and internal
# links are checked by `cargo test` (tests/it/docs.rs) either way.
set -euo pipefail
cd "$(dirname "$0")/.."
MDBOOK_VERSION=0.5.4
tools="$PWD/target/tools"
if ! command -v mdbook >/dev/null 2>&1; then
  export PATH="$tools/bin:$PATH"
fi
if ! command -v mdbook >/dev/null 2>&1; then
  echo "build-book: installing mdbook $MDBOOK_VERSION into target/tools (once)"
  if ! cargo install mdbook --locked --version "$MDBOOK_VERSION" --root "$tools" --quiet; then
    echo "build-book: mdbook could not be installed; the book was not built"
    exit 0
  fi
fi
mdbook build docs
echo "build-book: the book is in target/book/index.html"
