"""The emulated AWS account: moto in server mode (`moto_server`) with our speed and safety patches
pinned to one moto version (`moto_pin`, `moto_fast_reads`, `moto_safe_writes`), the template's
resources created in it (`provision`), schedules fired the way EventBridge would (`scheduler`),
injected faults (`fault_spec`, `faults`), and every AWS action each function performs, recorded
(`recorded_actions`) and checked against the policies the template grants it (`least_privilege`,
`sam_policies`).
"""
