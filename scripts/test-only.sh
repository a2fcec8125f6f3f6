#!/usr/bin/env bash
# Runs mocha on just the given compiled test files (globs), without the
# repo-wide spec list: scripts/test-only.sh 'plugins/wal-local/dist/test/**/*.test.js'
exec npx mocha --no-config --timeout 30000 --slow 2000 --exit --forbid-only "$@"
