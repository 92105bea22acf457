#!/usr/bin/env bash
# Open one issue per day and failing job ("<date>: <job> failed"), or add a comment to it when
# the same job fails again that day; each links the run. Needs GH_TOKEN, JOB_NAME, RUN_URL and
# GITHUB_REPOSITORY (set by Actions).
set -euo pipefail
title="$(date -u +%F): scheduled job '${JOB_NAME}' failed"
body="The scheduled job **${JOB_NAME}** failed: ${RUN_URL}

Open the run's log; the book_check artifact shows which book-vs-today rows changed."
number=$(gh issue list --repo "$GITHUB_REPOSITORY" --state open --search "in:title \"$title\"" \
  --json number,title --jq ".[] | select(.title == \"$title\") | .number" | head -n 1)
if [ -n "$number" ]; then
  gh issue comment "$number" --repo "$GITHUB_REPOSITORY" --body "Failed again: ${RUN_URL}"
else
  gh issue create --repo "$GITHUB_REPOSITORY" --title "$title" --body "$body"
fi
