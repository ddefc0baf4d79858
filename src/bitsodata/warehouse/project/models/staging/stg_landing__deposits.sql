-- The batch's deposit file, record by record: typed, flagged and keyed, or quarantined with its reason.
{{ stage_transactions(source('landing', 'deposits'), 'deposit') }}
