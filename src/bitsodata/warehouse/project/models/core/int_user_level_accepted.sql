-- This batch's user_level rows to merge: each once, none of a conflicting key.
{{ merge_accepted('user_level') }}
