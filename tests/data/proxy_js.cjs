// The AWS SDK for JavaScript v3 as a consumer of `bedrock-token proxy exec`,
// for tests/proxy.rs: Converse for SECONDS through two default clients, one
// at the endpoint the environment names (HTTPS, h2 by ALPN, trusting
// NODE_EXTRA_CA_CERTS), one at the plain-HTTP URL (h2c). Prints a summary.
//
//     node proxy_js.cjs SECONDS MODEL
const { BedrockRuntimeClient } = require("@aws-sdk/client-bedrock-runtime");
const { converseTurns } = require("./converse.cjs");

async function main() {
  const [seconds, model] = [Number(process.argv[2]), process.argv[3]];
  const clients = [
    new BedrockRuntimeClient({}),
    new BedrockRuntimeClient({ endpoint: process.env.BEDROCK_TOKEN_PROXY_URL }),
  ];
  console.log(JSON.stringify({ calls: await converseTurns(clients, seconds, model) }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
