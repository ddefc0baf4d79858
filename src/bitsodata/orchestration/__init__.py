"""Plain functions the Airflow DAGs in ``dags/`` call: one function per task, Airflow-free.

``daily`` runs the warehouse's daily batch (land -> load -> checks -> export -> ERD); ``audit``,
``audit_alerts`` and ``compaction`` check the lake's window files and build per-day files, called
through ``lake_tasks``; ``runtime`` holds what they share (settings, retry policy, JSON summaries);
``dag_defaults`` the DAG files' shared Airflow defaults (imports Airflow lazily).
"""
