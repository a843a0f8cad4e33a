// Node consumers that take a fresh key per request from bedrock-token, with
// no gateway (tests/proxy.rs): for SECONDS, each request asks the hook for
// its key, and each hook runs bedrock-token (COMMAND, a JSON array).
// Prints a summary: calls made and how often bedrock-token ran.
//
//     node direct_js.cjs sdk SECONDS MODEL ENDPOINT COMMAND
//         The AWS SDK for JavaScript v3: a `token` provider from
//         `bedrock-token token --format json`, with
//         authSchemePreference ["httpBearerAuth"] while AWS credentials
//         are in the environment too (without it, the SDK signs with SigV4).
//         The fake Bedrock speaks HTTP/1.1 only, so the client takes the
//         SDK's HTTP/1.1 handler (Bedrock itself offers both).
//     node direct_js.cjs openai SECONDS MODEL BASE_URL COMMAND
//         openai-node with an async `apiKey` function.
const { execFile } = require("node:child_process");
const { promisify } = require("node:util");
const run = promisify(execFile);

async function sdk(seconds, model, endpoint, command) {
  const { BedrockRuntimeClient } = require("@aws-sdk/client-bedrock-runtime");
  const { NodeHttpHandler } = require("@smithy/node-http-handler");
  const { converseTurns } = require("./converse.cjs");
  let runs = 0;
  const client = new BedrockRuntimeClient({
    endpoint,
    requestHandler: new NodeHttpHandler(),
    authSchemePreference: ["httpBearerAuth"],
    token: async () => {
      runs++;
      const [program, ...args] = command;
      const t = JSON.parse((await run(program, [...args, "token", "--format", "json"])).stdout);
      return { token: t.token, expiration: new Date(t.expiration) };
    },
  });
  return { calls: await converseTurns([client], seconds, model), key_runs: runs };
}

async function openai(seconds, model, baseURL, command) {
  const OpenAI = require("openai");
  let runs = 0;
  const client = new OpenAI({
    baseURL,
    maxRetries: 0,
    apiKey: async () => {
      runs++;
      const [program, ...args] = command;
      return (await run(program, args)).stdout.trim();
    },
  });
  let calls = 0;
  const deadline = Date.now() + seconds * 1000;
  for (let i = 1; Date.now() < deadline; i++) {
    const want = `ack turn-${i}`;
    const reply = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: `say turn-${i}` }],
    });
    if (reply.choices[0].message.content !== want) throw new Error(`wrong answer ${reply.choices[0].message.content}`);
    let streamed = "";
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: `say turn-${i}` }],
      stream: true,
    });
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? "";
    if (streamed !== want) throw new Error(`wrong streamed answer ${streamed}`);
    calls += 2;
  }
  return { calls, key_runs: runs };
}

async function main() {
  const [mode, seconds, model, url, command] = process.argv.slice(2);
  const session = { sdk, openai }[mode];
  if (!session) throw new Error(`unknown mode ${mode}`);
  console.log(JSON.stringify(await session(Number(seconds), model, url, JSON.parse(command))));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
