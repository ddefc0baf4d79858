-- The distinct versions of this batch's valid event rows (see the merge_versions macro).
{{ merge_versions('event') }}
