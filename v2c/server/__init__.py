"""The Gymnasium env served over OpenEnv's HTTP/WebSocket API (`v2c serve`), and its client `V2CEnv`.

Laid out as OpenEnv's own environments are: `models` (action and observation), `client` (the
`EnvClient`), `environment` (the server-side episode over `VideoToCodeEnv`), `app` (`create_app`,
the token gate and `serve`). Needs the [serve] extra.
"""
