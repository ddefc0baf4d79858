-- This batch's event rows to merge: each once, none of a conflicting key.
{{ merge_accepted('event') }}
