-- The versions of this batch's transaction keys in conflict, and their stored versions.
{{ merge_conflicts('transaction') }}
