-- The distinct versions of this batch's valid transaction rows (see the merge_versions macro).
{{ merge_versions('transaction') }}
