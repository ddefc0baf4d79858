-- This batch's transaction rows to merge: each once, none of a conflicting key.
{{ merge_accepted('transaction') }}
