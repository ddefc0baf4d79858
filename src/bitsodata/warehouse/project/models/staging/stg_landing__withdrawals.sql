-- The batch's withdrawal file, record by record: typed, flagged and keyed, or quarantined with its reason.
{{ stage_transactions(source('landing', 'withdrawals'), 'withdrawal') }}
