// Converse for SECONDS through each client in turn, each answer checked
// against the fake Bedrock's `ack turn-N`; shared by proxy_js.cjs and
// direct_js.cjs. Returns the number of calls.
const { ConverseCommand } = require("@aws-sdk/client-bedrock-runtime");

async function converseTurns(clients, seconds, model) {
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
  return calls;
}

module.exports = { converseTurns };
