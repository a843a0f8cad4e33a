"""Real consumers of Bedrock, for tests/proxy.rs: each runs calls for
SECONDS, every answer checked, and prints a JSON summary on stdout.

    python proxy_consumers.py MODE SECONDS MODEL [ARGS...]

MODE is boto3, openai, anthropic (default clients, configured only by the
environment `bedrock-token proxy exec` gives them), openai-direct (no
gateway: api_key is a function that runs bedrock-token; ARGS: the base URL
and the bedrock-token command line as JSON), or env (prints the
environment).
"""

import json
import os
import subprocess
import sys
import time


def timed(events):
    """The events, and the monotonic time each arrived."""
    out = []
    for e in events:
        out.append((time.monotonic(), e))
    return out


def spread(arrivals):
    return arrivals[-1][0] - arrivals[0][0] if arrivals else 0.0


def check(got, want):
    if got != want:
        raise SystemExit(f"wrong answer: {got!r}, want {want!r}")


def boto3_session(seconds, model):
    import boto3

    client = boto3.client("bedrock-runtime")
    deadline = time.monotonic() + seconds
    calls, spreads, i = 0, [], 0
    while time.monotonic() < deadline:
        i += 1
        reply = client.converse(
            modelId=model,
            messages=[{"role": "user", "content": [{"text": f"say turn-{i}"}]}],
        )
        check(reply["output"]["message"]["content"][0]["text"], f"ack turn-{i}")
        body = json.dumps(
            {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 16,
                "messages": [{"role": "user", "content": f"say turn-{i}"}],
            }
        )
        reply = client.invoke_model(modelId=model, body=body)
        check(json.loads(reply["body"].read())["content"][0]["text"], f"ack turn-{i}")
        reply = client.invoke_model_with_response_stream(modelId=model, body=body)
        arrivals = timed(reply["body"])
        text = "".join(
            e["delta"]["text"]
            for _, ev in arrivals
            for e in [json.loads(ev["chunk"]["bytes"])]
            if e["type"] == "content_block_delta"
        )
        check(text, f"ack turn-{i}")
        spreads.append(spread(arrivals))
        calls += 3
    return {"calls": calls, "min_spread": min(spreads), "max_spread": max(spreads)}


def openai_session(seconds, model, client):
    deadline = time.monotonic() + seconds
    calls, spreads, i = 0, [], 0
    while time.monotonic() < deadline:
        i += 1
        messages = [{"role": "user", "content": f"say turn-{i}"}]
        reply = client.chat.completions.create(model=model, messages=messages)
        check(reply.choices[0].message.content, f"ack turn-{i}")
        stream = client.chat.completions.create(model=model, messages=messages, stream=True)
        arrivals = timed(stream)
        text = "".join(c.choices[0].delta.content or "" for _, c in arrivals if c.choices)
        check(text, f"ack turn-{i}")
        spreads.append(spread(arrivals))
        calls += 2
    return {"calls": calls, "min_spread": min(spreads), "max_spread": max(spreads)}


def anthropic_session(seconds, model):
    from anthropic import AnthropicBedrock

    client = AnthropicBedrock()
    deadline = time.monotonic() + seconds
    calls, spreads, i = 0, [], 0
    while time.monotonic() < deadline:
        i += 1
        messages = [{"role": "user", "content": f"say turn-{i}"}]
        reply = client.messages.create(model=model, max_tokens=16, messages=messages)
        check(reply.content[0].text, f"ack turn-{i}")
        with client.messages.stream(model=model, max_tokens=16, messages=messages) as stream:
            arrivals = timed(stream)
            final = stream.get_final_message()
        check(final.content[0].text, f"ack turn-{i}")
        spreads.append(spread(arrivals))
        calls += 2
    return {"calls": calls, "min_spread": min(spreads), "max_spread": max(spreads)}


def main():
    mode = sys.argv[1]
    if mode == "env":
        print(json.dumps(dict(os.environ)))
        return
    # The session's time starts once its client is made: imports are slow
    # on a busy machine.
    seconds = float(sys.argv[2])
    model = sys.argv[3]
    if mode == "boto3":
        summary = boto3_session(seconds, model)
    elif mode == "openai":
        from openai import OpenAI

        summary = openai_session(seconds, model, OpenAI())
    elif mode == "anthropic":
        summary = anthropic_session(seconds, model)
    elif mode == "openai-direct":
        from openai import OpenAI

        base_url, command = sys.argv[4], json.loads(sys.argv[5])
        runs = []

        def api_key():
            runs.append(1)
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            return done.stdout.strip()

        summary = openai_session(seconds, model, OpenAI(base_url=base_url, api_key=api_key))
        summary["key_runs"] = len(runs)
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
