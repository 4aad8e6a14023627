// Preload for third-party servers that listen on every interface: binds any port they open to
// 127.0.0.1 instead, so tests never listen beyond loopback. Usage: node --import ./loopback-only.mjs …
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" || typeof args[0] === "string") {
    const [port, ...rest] = args;
    const callback = rest.find((a) => typeof a === "function");
    return listen.call(this, { port: Number(port), host: "127.0.0.1" }, callback);
  }
  if (typeof args[0] === "object" && args[0] !== null && !("path" in args[0]))
    args[0] = { ...args[0], host: "127.0.0.1" };
  return listen.apply(this, args);
};
