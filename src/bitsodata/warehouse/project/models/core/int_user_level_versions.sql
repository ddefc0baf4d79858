-- The distinct versions of this batch's valid user_level rows (see the merge_versions macro).
{{ merge_versions('user_level') }}
