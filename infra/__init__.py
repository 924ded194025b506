"""Deployment to AWS: the CloudFormation template and the tools around it.

- ``template.yaml``: the user pool, the desktop app client and the protected API on
  Lambda behind API Gateway (runbook: docs/deploy-aws.md).
- :mod:`infra.build_lambda`: the function's code as a reproducible zip.
- :mod:`infra.stack_profile`: the stack's outputs as the desktop app's profile.

Not part of any deployable: nothing here is imported by the app, the API or the stand-in.
"""
