// The chat page. Every reply is rendered as plain text through textContent.
// The session id lives in this variable only: no cookie, no storage.
"use strict";

(() => {
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const picker = document.getElementById("language");
  let session = null;
  let busy = false;

  function bubble(text, who) {
    const item = document.createElement("li");
    item.className = `msg ${who}`;
    item.textContent = text;
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function buttonRow(buttons) {
    if (!Array.isArray(buttons) || buttons.length === 0) return;
    const row = document.createElement("li");
    row.className = "buttons";
    for (const { title, payload } of buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = title;
      button.addEventListener("click", () => send(payload, title));
      row.appendChild(button);
    }
    log.appendChild(row);
  }

  async function send(text, shown) {
    if (busy) return;
    busy = true;
    bubble(shown, "me");
    try {
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session, text, language: picker.value || null }),
        cache: "no-store",
        credentials: "omit",
      });
      const data = await response.json();
      if (typeof data.session === "string") session = data.session;
      for (const message of Array.isArray(data.messages) ? data.messages : []) {
        bubble(String(message.text), "bot");
        buttonRow(message.buttons);
      }
    } catch {
      bubble("⚠ …", "bot error");
    } finally {
      busy = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    send(text, text);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
