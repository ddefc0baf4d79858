-- This batch's user ids to merge, each once.
{{ merge_accepted('user') }}
