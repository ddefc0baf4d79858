-- The versions of this batch's event keys in conflict, and their stored versions.
{{ merge_conflicts('event') }}
