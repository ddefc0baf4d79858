-- The versions of this batch's user_level keys in conflict, and their stored versions.
{{ merge_conflicts('user_level') }}
