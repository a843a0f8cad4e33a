// The AWS SDK for JavaScript v3 as a consumer of `bedrock-token proxy exec`,
// for tests/proxy.rs: Converse for SECONDS through two default clients, one
// at the endpoint the environment names (HTTPS, h2 by ALPN, trusting
// NODE_EXTRA_CA_CERTS), one at the plain-HTTP URL (h2c). Prints a summary.
//
//     node proxy_js.cjs SECONDS MODEL
const { BedrockRuntimeClient, ConverseCommand } = require("@aws-sdk/client-bedrock-runtime");

async function main() {
  const [seconds, model] = [Number(process.argv[2]), process.argv[3]];
  const clients = [
    new BedrockRuntimeClient({}),
    new BedrockRuntimeClient({ endpoint: process.env.BEDROCK_TOKEN_PROXY_URL }),
  ];
  const deadline = Date.now() + seconds * 1000;
  let calls = 0;
  for (let i = 1; Date.now() < deadline; i++) {
    for (const client of clients) {
      const reply = await client.send(
        new ConverseCommand({
          modelId: model,
          messages: [{ role: "user", content: [{ text: `say turn-${i}` }] }],
        }),
      );
      const text = reply.output.message.content[0].text;
      if (text !== `ack turn-${i}`) throw new Error(`wrong answer ${text}`);
      calls++;
    }
  }
  clients.forEach((c) => c.destroy());
  console.log(JSON.stringify({ calls }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
