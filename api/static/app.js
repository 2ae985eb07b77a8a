// The chat page. Every text is rendered through text nodes (textContent, append of a
// string); the only elements built from the assistant's words are https links.
// The session id lives in one variable: no cookie, no storage, no URL change.
"use strict";

(() => {
  const STRINGS = {
    en: {
      exit: "Exit this page",
      language: "Language",
      message: "Message",
      placeholder: "Write here…",
      send: "Send",
      intro: "Ask anything, in your own language. You do not need to give your name.",
      leave: "To leave fast: tap “Exit this page” or press Esc 3 times.",
      trace:
        "This page keeps nothing on your phone, but the browser’s history may show this site. " +
        "A private (incognito) window leaves no history.",
      escMore: ["Press Esc 2 more times to leave", "Press Esc once more to leave"],
      waiting: "Waiting for an answer…",
      offline: "No connection right now. If you are in danger, call:",
      tooMany: "Too many messages. Please wait {n} seconds. If you are in danger, call:",
      you: "You",
      bot: "Assistant",
    },
    ja: {
      exit: "このページを出る",
      language: "言語",
      message: "メッセージ",
      placeholder: "ここに書いてください…",
      send: "送信",
      intro: "あなたの言葉で、何でも聞いてください。名前を言う必要はありません。",
      leave: "すぐに離れるとき：「このページを出る」を押すか、Escキーを3回押してください。",
      trace:
        "このページは電話に何も残しませんが、ブラウザの履歴にこのサイトが残ることがあります。" +
        "プライベート（シークレット）ウィンドウなら履歴は残りません。",
      escMore: ["あと2回Escを押すと出ます", "あと1回Escを押すと出ます"],
      waiting: "返事を待っています…",
      offline: "今は接続できません。危険なときは電話してください：",
      tooMany: "メッセージが多すぎます。{n}秒待ってください。危険なときは電話してください：",
      you: "あなた",
      bot: "アシスタント",
    },
    th: {
      exit: "ออกจากหน้านี้",
      language: "ภาษา",
      message: "ข้อความ",
      placeholder: "พิมพ์ที่นี่…",
      send: "ส่ง",
      intro: "ถามอะไรก็ได้ เป็นภาษาของคุณเอง ไม่ต้องบอกชื่อ",
      leave: "ถ้าต้องการออกอย่างรวดเร็ว: แตะ “ออกจากหน้านี้” หรือกด Esc 3 ครั้ง",
      trace:
        "หน้านี้ไม่เก็บอะไรไว้ในโทรศัพท์ แต่ประวัติของเบราว์เซอร์อาจแสดงเว็บนี้ " +
        "หน้าต่างส่วนตัว (ไม่ระบุตัวตน) จะไม่เก็บประวัติ",
      escMore: ["กด Esc อีก 2 ครั้งเพื่อออก", "กด Esc อีก 1 ครั้งเพื่อออก"],
      waiting: "กำลังรอคำตอบ…",
      offline: "ตอนนี้เชื่อมต่อไม่ได้ ถ้าคุณตกอยู่ในอันตราย โทร:",
      tooMany: "ส่งข้อความมากเกินไป กรุณารอ {n} วินาที ถ้าคุณตกอยู่ในอันตราย โทร:",
      you: "คุณ",
      bot: "ผู้ช่วย",
    },
    tl: {
      exit: "Umalis sa page na ito",
      language: "Wika",
      message: "Mensahe",
      placeholder: "Sumulat dito…",
      send: "Ipadala",
      intro:
        "Magtanong ng kahit ano, sa sarili mong wika. Hindi mo kailangang sabihin ang pangalan mo.",
      leave:
        "Para mabilis na umalis: pindutin ang “Umalis sa page na ito” o pindutin ang Esc nang 3 beses.",
      trace:
        "Walang iniiwan ang page na ito sa telepono mo, pero maaaring makita ang site na ito " +
        "sa history ng browser. Walang naiiwang history sa private (incognito) window.",
      escMore: [
        "Pindutin ang Esc nang 2 beses pa para umalis",
        "Pindutin ang Esc nang isa pa para umalis",
      ],
      waiting: "Hinihintay ang sagot…",
      offline: "Walang koneksyon ngayon. Kung nasa panganib ka, tumawag sa:",
      tooMany:
        "Masyadong maraming mensahe. Maghintay ng {n} segundo. Kung nasa panganib ka, tumawag sa:",
      you: "Ikaw",
      bot: "Assistant",
    },
    es: {
      exit: "Salir de esta página",
      language: "Idioma",
      message: "Mensaje",
      placeholder: "Escribe aquí…",
      send: "Enviar",
      intro: "Pregunta lo que quieras, en tu idioma. No necesitas dar tu nombre.",
      leave: "Para salir rápido: toca «Salir de esta página» o pulsa Esc 3 veces.",
      trace:
        "Esta página no guarda nada en tu teléfono, pero el historial del navegador puede " +
        "mostrar este sitio. Una ventana privada (de incógnito) no deja historial.",
      escMore: ["Pulsa Esc 2 veces más para salir", "Pulsa Esc una vez más para salir"],
      waiting: "Esperando respuesta…",
      offline: "Ahora no hay conexión. Si estás en peligro, llama a:",
      tooMany: "Demasiados mensajes. Espera {n} segundos. Si estás en peligro, llama a:",
      you: "Tú",
      bot: "Asistente",
    },
    zh: {
      exit: "离开这个页面",
      language: "语言",
      message: "消息",
      placeholder: "在这里写…",
      send: "发送",
      intro: "用你自己的语言，什么都可以问。不用说你的名字。",
      leave: "要马上离开：点“离开这个页面”，或者按3次Esc键。",
      trace:
        "这个页面不会在你的手机上留下任何东西，但浏览器的历史记录里可能会有这个网站。" +
        "用无痕（隐私）窗口就不会留下记录。",
      escMore: ["再按2次Esc就离开", "再按1次Esc就离开"],
      waiting: "正在等回复…",
      offline: "现在连不上网。如果你有危险，请打电话：",
      tooMany: "消息太多了。请等{n}秒。如果你有危险，请打电话：",
      you: "你",
      bot: "助手",
    },
    vi: {
      exit: "Thoát khỏi trang này",
      language: "Ngôn ngữ",
      message: "Tin nhắn",
      placeholder: "Viết ở đây…",
      send: "Gửi",
      intro: "Hỏi bất cứ điều gì, bằng tiếng Việt. Bạn không cần cho biết tên.",
      leave: "Muốn rời nhanh: chạm “Thoát khỏi trang này” hoặc bấm Esc 3 lần.",
      trace:
        "Trang này không lưu gì trên điện thoại của bạn, nhưng lịch sử trình duyệt có thể hiện " +
        "trang này. Cửa sổ ẩn danh (riêng tư) không để lại lịch sử.",
      escMore: ["Bấm Esc thêm 2 lần để thoát", "Bấm Esc thêm 1 lần để thoát"],
      waiting: "Đang chờ trả lời…",
      offline: "Hiện không có kết nối. Nếu bạn đang gặp nguy hiểm, hãy gọi:",
      tooMany: "Bạn gửi quá nhiều tin nhắn. Hãy chờ {n} giây. Nếu bạn đang gặp nguy hiểm, hãy gọi:",
      you: "Bạn",
      bot: "Trợ lý",
    },
    my: {
      exit: "ဒီစာမျက်နှာက ထွက်မယ်",
      language: "ဘာသာစကား",
      message: "စာ",
      placeholder: "ဒီမှာ ရေးပါ…",
      send: "ပို့မယ်",
      intro: "ကိုယ့်ဘာသာစကားနဲ့ ဘာမဆို မေးပါ။ နာမည် ပြောစရာ မလိုပါဘူး။",
      leave:
        "မြန်မြန် ထွက်ချင်ရင်: “ဒီစာမျက်နှာက ထွက်မယ်” ကို နှိပ်ပါ၊ ဒါမှမဟုတ် Esc ကို ၃ ခါ နှိပ်ပါ။",
      trace:
        "ဒီစာမျက်နှာက ဖုန်းထဲမှာ ဘာမှ မသိမ်းပါဘူး၊ ဒါပေမဲ့ browser ရဲ့ history မှာ ဒီဆိုက် ပေါ်နေနိုင်ပါတယ်။ " +
        "private (incognito) window နဲ့ဆိုရင် history မကျန်ပါဘူး။",
      escMore: ["ထွက်ဖို့ Esc ကို နောက် ၂ ခါ နှိပ်ပါ", "ထွက်ဖို့ Esc ကို နောက်တစ်ခါ နှိပ်ပါ"],
      waiting: "အဖြေ စောင့်နေပါတယ်…",
      offline: "အခု အင်တာနက် မရပါဘူး။ အန္တရာယ်ရှိနေရင် ဖုန်းဆက်ပါ:",
      tooMany: "စာ အများကြီး ပို့ထားပါတယ်။ {n} စက္ကန့် စောင့်ပါ။ အန္တရာယ်ရှိနေရင် ဖုန်းဆက်ပါ:",
      you: "သင်",
      bot: "အကူအညီပေးစနစ်",
    },
    ne: {
      exit: "यो पेज छोड्नुहोस्",
      language: "भाषा",
      message: "म्यासेज",
      placeholder: "यहाँ लेख्नुहोस्…",
      send: "पठाउनुहोस्",
      intro: "आफ्नै भाषामा जे पनि सोध्नुहोस्। नाम भन्नु पर्दैन।",
      leave: "छिटो निस्कन: “यो पेज छोड्नुहोस्” थिच्नुहोस् वा Esc 3 पटक थिच्नुहोस्।",
      trace:
        "यो पेजले तपाईंको फोनमा केही राख्दैन, तर ब्राउजरको हिस्ट्रीमा यो साइट देखिन सक्छ। " +
        "प्राइभेट (इन्कग्निटो) विन्डोले हिस्ट्री राख्दैन।",
      escMore: ["निस्कन Esc अझै 2 पटक थिच्नुहोस्", "निस्कन Esc अझै एक पटक थिच्नुहोस्"],
      waiting: "जवाफ पर्खँदै…",
      offline: "अहिले इन्टरनेट जोडिएको छैन। खतरामा हुनुहुन्छ भने फोन गर्नुहोस्:",
      tooMany: "धेरै म्यासेज भए। कृपया {n} सेकेन्ड पर्खनुहोस्। खतरामा हुनुहुन्छ भने फोन गर्नुहोस्:",
      you: "तपाईं",
      bot: "सहायक",
    },
    id: {
      exit: "Keluar dari halaman ini",
      language: "Bahasa",
      message: "Pesan",
      placeholder: "Tulis di sini…",
      send: "Kirim",
      intro: "Tanya apa saja, dalam bahasamu sendiri. Kamu tidak perlu menyebut nama.",
      leave: "Untuk keluar cepat: ketuk “Keluar dari halaman ini” atau tekan Esc 3 kali.",
      trace:
        "Halaman ini tidak menyimpan apa pun di HP-mu, tapi riwayat browser bisa menunjukkan " +
        "situs ini. Jendela pribadi (incognito) tidak meninggalkan riwayat.",
      escMore: ["Tekan Esc 2 kali lagi untuk keluar", "Tekan Esc sekali lagi untuk keluar"],
      waiting: "Menunggu jawaban…",
      offline: "Sekarang tidak ada koneksi. Kalau kamu dalam bahaya, telepon:",
      tooMany: "Terlalu banyak pesan. Tunggu {n} detik. Kalau kamu dalam bahaya, telepon:",
      you: "Kamu",
      bot: "Asisten",
    },
  };
  const REQUEST_TIMEOUT_MS = 25000; // longer than the gateway's own wait on the assistant
  const ESC_PRESSES = 3;
  const ESC_WINDOW_MS = 3000;
  // https only, ASCII URL characters only: a link ends at a space, a quote, a bracket or
  // the first non-ASCII character (Japanese or Thai text right after a URL).
  const LINK = /https:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&()*+,;=%]+/g;
  const TRAILING = /[.,;:!?)\]]+$/;
  // Control characters other than tab and newline; the gateway refuses them.
  const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

  const known = (code) => typeof code === "string" && Object.hasOwn(STRINGS, code);
  const byId = (id) => document.getElementById(id);
  const log = byId("log");
  const form = byId("composer");
  const input = byId("text");
  const picker = byId("language");
  const sendButton = byId("send");
  const status = byId("status");
  const exitLink = byId("exit");
  const emergency = byId("emergency");
  const exitUrl = exitLink.href;
  const browserLanguage = (navigator.languages || [])
    .map((tag) => String(tag).toLowerCase().split("-")[0])
    .find((code) => known(code) || code === "fil");

  let session = null;
  let replyLanguage = null; // what the assistant last answered in
  let busy = false;
  let leaving = false;
  let escTimes = [];
  let inFlight = null; // the AbortController of the message waiting for its answer
  const openedTabs = []; // tabs this page opened for the assistant's links

  function uiLanguage() {
    const chosen = picker.value || replyLanguage || browserLanguage;
    if (chosen === "fil") return "tl";
    return known(chosen) ? chosen : "en";
  }

  function t(key) {
    return STRINGS[uiLanguage()][key];
  }

  function applyLanguage() {
    const language = uiLanguage();
    document.documentElement.lang = language;
    for (const node of document.querySelectorAll("[data-i18n]")) {
      node.textContent = t(node.dataset.i18n);
    }
    for (const node of document.querySelectorAll("[data-mailbox-i18n]")) {
      node.textContent = mt(node.dataset.mailboxI18n);
    }
    input.placeholder = t("placeholder");
    sendButton.setAttribute("aria-label", t("send"));
  }

  // Quick exit: blank the page at once, tell the gateway to forget, and replace this
  // history entry with a neutral site so Back cannot return here.
  function forget() {
    if (session === null) return;
    const url = `/api/chat/${encodeURIComponent(session)}/forget`;
    session = null;
    try {
      navigator.sendBeacon(url);
    } catch {
      // Nothing to do: the gateway forgets an idle conversation on its own.
    }
  }

  function wipe() {
    session = null;
    mailboxCode = null;
    mailboxView = null;
    replyLanguage = null;
    escTimes = [];
    document.body.replaceChildren();
  }

  // Her first message's answer has not come: the page does not know the conversation's id,
  // so it cannot send the beacon. Cutting the request off tells the gateway she has gone,
  // and it then keeps nothing of it.
  function abortPending() {
    if (inFlight !== null) inFlight.abort();
    inFlight = null;
  }

  // A tab a link opened may show a page about her situation: it goes with the chat.
  function closeOpenedTabs() {
    for (const tab of openedTabs.splice(0)) {
      try {
        tab.close();
      } catch {
        // Already closed.
      }
    }
  }

  function quickExit(event) {
    if (event) event.preventDefault();
    if (leaving) return;
    leaving = true;
    abortPending();
    closeOpenedTabs();
    forget();
    wipe();
    window.location.replace(exitUrl);
  }

  function onKeyDown(event) {
    if (event.key !== "Escape" || leaving) return;
    const now = Date.now();
    escTimes = escTimes.filter((time) => now - time < ESC_WINDOW_MS);
    escTimes.push(now);
    if (escTimes.length >= ESC_PRESSES) {
      quickExit(event);
      return;
    }
    status.textContent = t("escMore")[escTimes.length - 1];
  }

  // Rendering: text nodes only.
  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function safeLink(candidate) {
    let url;
    try {
      url = new URL(candidate);
    } catch {
      return null;
    }
    if (url.protocol !== "https:" || url.username || url.password) return null;
    const link = document.createElement("a");
    link.href = url.href;
    link.textContent = candidate;
    link.rel = "noopener noreferrer";
    link.referrerPolicy = "no-referrer";
    link.target = "_blank";
    link.addEventListener("click", openInClosableTab);
    return link;
  }

  // Opened by script (not by target=_blank with noopener, which leaves no handle), so that
  // the quick exit can close the tab. Closing it needs the opener link, so the site keeps
  // window.opener; it sends no referrer, and the page's policy lets it only navigate or
  // message this page, never read it.
  function openInClosableTab(event) {
    const tab = window.open("about:blank", "_blank");
    if (tab === null) return; // a blocked pop-up: the link opens as usual
    event.preventDefault();
    tab.location.replace(event.currentTarget.href);
    openedTabs.push(tab);
  }

  function appendWithLinks(parent, text) {
    let done = 0;
    for (const match of text.matchAll(LINK)) {
      const candidate = match[0].replace(TRAILING, "");
      const link = safeLink(candidate);
      if (link === null) continue;
      parent.append(text.slice(done, match.index), link);
      done = match.index + candidate.length;
    }
    parent.append(text.slice(done));
  }

  function speaker(who) {
    const label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = `${t(who === "me" ? "you" : "bot")}: `;
    return label;
  }

  function bubble(text, who, language) {
    const item = document.createElement("li");
    item.className = `msg ${who}`;
    if (language) item.lang = language;
    item.append(speaker(who));
    if (who === "bot") appendWithLinks(item, text);
    else item.append(text);
    log.append(item);
  }

  function buttonRow(buttons) {
    if (!Array.isArray(buttons) || buttons.length === 0) return;
    const row = document.createElement("li");
    row.className = "buttons";
    for (const button of buttons) {
      if (!button || typeof button.title !== "string" || typeof button.payload !== "string") {
        continue;
      }
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = button.title;
      element.addEventListener("click", () => send(button.payload, button.title));
      row.append(element);
    }
    log.append(row);
  }

  // Contact cards: each contact the assistant lists, with a large Call button, in the
  // order the gateway sends them (open now first, her language first among those).
  const CARD_STRINGS = {
    en: {
      call: "Call",
      web: "Web page",
      open: "Open now",
      until: "until {t}",
      closed: "Closed now",
      opens: "opens {t}",
      unknown: "Opening hours not known",
      speaks: "Answers in:",
      more: "and more",
      unconfirmed: "* Not yet confirmed by a partner: please check",
      listen: "Read aloud",
    },
    ja: {
      call: "電話する",
      web: "ウェブページ",
      open: "いま受付中",
      until: "{t}まで",
      closed: "いまは受付時間外",
      opens: "{t}から",
      unknown: "受付時間は不明",
      speaks: "対応言語：",
      more: "ほか",
      unconfirmed: "＊まだ支援団体が確認していません。確かめてください",
      listen: "読み上げる",
    },
    th: {
      call: "โทร",
      web: "เว็บไซต์",
      open: "เปิดอยู่ตอนนี้",
      until: "ถึง {t}",
      closed: "ตอนนี้ปิด",
      opens: "เปิด {t}",
      unknown: "ไม่ทราบเวลาทำการ",
      speaks: "ภาษาที่ใช้ได้:",
      more: "และอื่น ๆ",
      unconfirmed: "* องค์กรช่วยเหลือยังไม่ได้ยืนยัน กรุณาตรวจสอบ",
      listen: "อ่านออกเสียง",
    },
    tl: {
      call: "Tumawag",
      web: "Website",
      open: "Bukas ngayon",
      until: "hanggang {t}",
      closed: "Sarado ngayon",
      opens: "bubukas {t}",
      unknown: "Hindi alam ang oras",
      speaks: "Mga wika:",
      more: "at iba pa",
      unconfirmed: "* Hindi pa kumpirmado ng partner: pakisuri",
      listen: "Basahin nang malakas",
    },
    es: {
      call: "Llamar",
      web: "Página web",
      open: "Abierto ahora",
      until: "hasta las {t}",
      closed: "Cerrado ahora",
      opens: "abre {t}",
      unknown: "Horario desconocido",
      speaks: "Atiende en:",
      more: "y otros",
      unconfirmed: "* Aún sin confirmar por una organización: compruébalo",
      listen: "Leer en voz alta",
    },
    zh: {
      call: "打电话",
      web: "网页",
      open: "现在可以联系",
      until: "到{t}",
      closed: "现在不在服务时间",
      opens: "{t}开始",
      unknown: "服务时间不清楚",
      speaks: "可用语言：",
      more: "等",
      unconfirmed: "* 还没有经过合作团体确认，请先核实",
      listen: "朗读",
    },
    vi: {
      call: "Gọi",
      web: "Trang web",
      open: "Đang mở",
      until: "đến {t}",
      closed: "Hiện đã đóng",
      opens: "mở lúc {t}",
      unknown: "Chưa rõ giờ làm việc",
      speaks: "Trả lời bằng:",
      more: "và các tiếng khác",
      unconfirmed: "* Đối tác chưa xác nhận: hãy kiểm tra lại",
      listen: "Đọc to",
    },
    my: {
      call: "ဖုန်းဆက်မယ်",
      web: "ဝက်ဘ်စာမျက်နှာ",
      open: "အခု ဖွင့်ထားတယ်",
      until: "{t} အထိ",
      closed: "အခု ပိတ်ထားတယ်",
      opens: "{t} မှာ ဖွင့်မယ်",
      unknown: "ဖွင့်ချိန် မသိရပါ",
      speaks: "ပြောတဲ့ ဘာသာစကား:",
      more: "နဲ့ အခြား",
      unconfirmed: "* မိတ်ဖက်အဖွဲ့က မအတည်ပြုရသေးပါ: စစ်ဆေးပါ",
      listen: "အသံထွက် ဖတ်ပြမယ်",
    },
    ne: {
      call: "फोन गर्नुहोस्",
      web: "वेबसाइट",
      open: "अहिले खुला छ",
      until: "{t} सम्म",
      closed: "अहिले बन्द छ",
      opens: "{t} मा खुल्छ",
      unknown: "खुल्ने समय थाहा छैन",
      speaks: "बोलिने भाषा:",
      more: "र अरू",
      unconfirmed: "* सहयोगी संस्थाले अझै पुष्टि गरेको छैन: कृपया जाँच गर्नुहोस्",
      listen: "पढेर सुनाउनुहोस्",
    },
    id: {
      call: "Telepon",
      web: "Situs web",
      open: "Buka sekarang",
      until: "sampai {t}",
      closed: "Sekarang tutup",
      opens: "buka {t}",
      unknown: "Jam buka tidak diketahui",
      speaks: "Bahasa:",
      more: "dan lainnya",
      unconfirmed: "* Belum dikonfirmasi oleh mitra: tolong cek dulu",
      listen: "Bacakan",
    },
  };

  // Her mailbox: a reply code opens the organisation's answers here, in the chat.
  const MAILBOX_STRINGS = {
    en: {
      haveCode: "I have a code",
      codeLabel: "Your reply code (16 digits)",
      open: "Open",
      close: "Close",
      title: "Your mailbox",
      empty: "No answer yet. Come back later with the same code.",
      notFound: "No mailbox for this code. Check the digits. A mailbox is deleted 30 days after its last message.",
      badCode: "A reply code has 16 digits.",
      tooMany: "Too many tries. Please wait {n} seconds.",
      failed: "This did not work. Please try again later.",
      ngo: "Organisation",
      answerLabel: "Your answer",
      sendAnswer: "Send answer",
      sent: "Sent. The organisation will read it.",
      forget: "Delete this mailbox",
      forgetAgain: "Tap again to delete it for good",
      forgotten: "The mailbox and its messages are deleted.",
    },
    ja: {
      haveCode: "コードを持っています",
      codeLabel: "返信コード（16けたの数字）",
      open: "開く",
      close: "閉じる",
      title: "あなたのメールボックス",
      empty: "まだ返事はありません。あとで同じコードでもう一度見てください。",
      notFound: "このコードのメールボックスはありません。数字を確かめてください。メールボックスは最後のメッセージから30日で消えます。",
      badCode: "返信コードは16けたの数字です。",
      tooMany: "試した回数が多すぎます。{n}秒待ってください。",
      failed: "うまくいきませんでした。あとでもう一度試してください。",
      ngo: "支援団体",
      answerLabel: "あなたの返事",
      sendAnswer: "返事を送る",
      sent: "送りました。支援団体が読みます。",
      forget: "このメールボックスを消す",
      forgetAgain: "もう一度押すと完全に消えます",
      forgotten: "メールボックスとメッセージを消しました。",
    },
    th: {
      haveCode: "ฉันมีรหัส",
      codeLabel: "รหัสตอบกลับ (ตัวเลข 16 หลัก)",
      open: "เปิด",
      close: "ปิด",
      title: "กล่องข้อความของคุณ",
      empty: "ยังไม่มีคำตอบ กลับมาดูใหม่ภายหลังด้วยรหัสเดิม",
      notFound: "ไม่พบกล่องข้อความของรหัสนี้ กรุณาตรวจตัวเลขอีกครั้ง กล่องข้อความจะถูกลบ 30 วันหลังข้อความล่าสุด",
      badCode: "รหัสตอบกลับมีตัวเลข 16 หลัก",
      tooMany: "ลองหลายครั้งเกินไป กรุณารอ {n} วินาที",
      failed: "ทำไม่สำเร็จ กรุณาลองใหม่ภายหลัง",
      ngo: "องค์กร",
      answerLabel: "คำตอบของคุณ",
      sendAnswer: "ส่งคำตอบ",
      sent: "ส่งแล้ว องค์กรจะอ่านข้อความนี้",
      forget: "ลบกล่องข้อความนี้",
      forgetAgain: "แตะอีกครั้งเพื่อลบถาวร",
      forgotten: "ลบกล่องข้อความและข้อความทั้งหมดแล้ว",
    },
    tl: {
      haveCode: "May code ako",
      codeLabel: "Ang reply code mo (16 na numero)",
      open: "Buksan",
      close: "Isara",
      title: "Ang mailbox mo",
      empty: "Wala pang sagot. Bumalik ka mamaya gamit ang parehong code.",
      notFound: "Walang mailbox para sa code na ito. Suriin ang mga numero. Binubura ang mailbox 30 araw pagkatapos ng huling mensahe.",
      badCode: "May 16 na numero ang reply code.",
      tooMany: "Masyadong maraming subok. Maghintay ng {n} segundo.",
      failed: "Hindi ito gumana. Subukan ulit mamaya.",
      ngo: "Organisasyon",
      answerLabel: "Ang sagot mo",
      sendAnswer: "Ipadala ang sagot",
      sent: "Naipadala na. Babasahin ito ng organisasyon.",
      forget: "Burahin ang mailbox na ito",
      forgetAgain: "Pindutin ulit para tuluyang burahin",
      forgotten: "Nabura na ang mailbox at ang mga mensahe nito.",
    },
    es: {
      haveCode: "Tengo un código",
      codeLabel: "Tu código de respuesta (16 cifras)",
      open: "Abrir",
      close: "Cerrar",
      title: "Tu buzón",
      empty: "Todavía no hay respuesta. Vuelve más tarde con el mismo código.",
      notFound: "No hay buzón para este código. Revisa las cifras. Un buzón se borra 30 días después de su último mensaje.",
      badCode: "Un código de respuesta tiene 16 cifras.",
      tooMany: "Demasiados intentos. Espera {n} segundos.",
      failed: "No funcionó. Inténtalo de nuevo más tarde.",
      ngo: "Organización",
      answerLabel: "Tu respuesta",
      sendAnswer: "Enviar respuesta",
      sent: "Enviado. La organización lo leerá.",
      forget: "Borrar este buzón",
      forgetAgain: "Toca otra vez para borrarlo para siempre",
      forgotten: "El buzón y sus mensajes están borrados.",
    },
    zh: {
      haveCode: "我有回复码",
      codeLabel: "你的回复码（16位数字）",
      open: "打开",
      close: "关闭",
      title: "你的信箱",
      empty: "还没有回复。以后用同一个码再来看。",
      notFound: "这个码没有对应的信箱。请检查数字。信箱在最后一条消息30天后会删除。",
      badCode: "回复码是16位数字。",
      tooMany: "试的次数太多了。请等{n}秒。",
      failed: "没有成功。请稍后再试。",
      ngo: "支援团体",
      answerLabel: "你的回复",
      sendAnswer: "发送回复",
      sent: "已发送。支援团体会看到。",
      forget: "删除这个信箱",
      forgetAgain: "再点一次就彻底删除",
      forgotten: "信箱和里面的消息都已删除。",
    },
    vi: {
      haveCode: "Tôi có mã",
      codeLabel: "Mã trả lời của bạn (16 chữ số)",
      open: "Mở",
      close: "Đóng",
      title: "Hộp thư của bạn",
      empty: "Chưa có câu trả lời. Hãy quay lại sau với cùng mã này.",
      notFound: "Không có hộp thư nào với mã này. Hãy kiểm tra lại các chữ số. Hộp thư bị xóa 30 ngày sau tin nhắn cuối cùng.",
      badCode: "Mã trả lời có 16 chữ số.",
      tooMany: "Bạn thử quá nhiều lần. Hãy chờ {n} giây.",
      failed: "Không được rồi. Hãy thử lại sau.",
      ngo: "Tổ chức",
      answerLabel: "Câu trả lời của bạn",
      sendAnswer: "Gửi câu trả lời",
      sent: "Đã gửi. Tổ chức sẽ đọc.",
      forget: "Xóa hộp thư này",
      forgetAgain: "Chạm lần nữa để xóa hẳn",
      forgotten: "Hộp thư và các tin nhắn đã bị xóa.",
    },
    my: {
      haveCode: "ကုဒ် ရှိတယ်",
      codeLabel: "သင့်ရဲ့ အဖြေကုဒ် (ဂဏန်း ၁၆ လုံး)",
      open: "ဖွင့်မယ်",
      close: "ပိတ်မယ်",
      title: "သင့်ရဲ့ စာတိုက်ပုံး",
      empty: "အဖြေ မရှိသေးပါဘူး။ နောက်မှ ဒီကုဒ်နဲ့ ပြန်ကြည့်ပါ။",
      notFound:
        "ဒီကုဒ်နဲ့ စာတိုက်ပုံး မတွေ့ပါ။ ဂဏန်းတွေ ပြန်စစ်ပါ။ နောက်ဆုံးစာ ရောက်ပြီး ရက် ၃၀ ကြာရင် စာတိုက်ပုံးကို ဖျက်ပါတယ်။",
      badCode: "အဖြေကုဒ်မှာ ဂဏန်း ၁၆ လုံး ပါပါတယ်။",
      tooMany: "အကြိမ်များလွန်းပါတယ်။ {n} စက္ကန့် စောင့်ပါ။",
      failed: "မအောင်မြင်ပါဘူး။ နောက်မှ ပြန်ကြိုးစားပါ။",
      ngo: "ကူညီရေးအဖွဲ့",
      answerLabel: "သင့်အဖြေ",
      sendAnswer: "အဖြေ ပို့မယ်",
      sent: "ပို့ပြီးပါပြီ။ ကူညီရေးအဖွဲ့က ဖတ်ပါလိမ့်မယ်။",
      forget: "ဒီစာတိုက်ပုံးကို ဖျက်မယ်",
      forgetAgain: "အပြီးဖျက်ဖို့ နောက်တစ်ခါ နှိပ်ပါ",
      forgotten: "စာတိုက်ပုံးနဲ့ စာတွေကို ဖျက်လိုက်ပါပြီ။",
    },
    ne: {
      haveCode: "मसँग कोड छ",
      codeLabel: "तपाईंको जवाफ कोड (16 अङ्क)",
      open: "खोल्नुहोस्",
      close: "बन्द गर्नुहोस्",
      title: "तपाईंको मेलबक्स",
      empty: "अहिलेसम्म जवाफ आएको छैन। पछि यही कोड लिएर फेरि आउनुहोस्।",
      notFound: "यो कोडको मेलबक्स छैन। अङ्कहरू जाँच्नुहोस्। अन्तिम म्यासेजको 30 दिनपछि मेलबक्स मेटिन्छ।",
      badCode: "जवाफ कोडमा 16 अङ्क हुन्छन्।",
      tooMany: "धेरै पटक प्रयास भयो। कृपया {n} सेकेन्ड पर्खनुहोस्।",
      failed: "भएन। कृपया पछि फेरि प्रयास गर्नुहोस्।",
      ngo: "संस्था",
      answerLabel: "तपाईंको जवाफ",
      sendAnswer: "जवाफ पठाउनुहोस्",
      sent: "पठाइयो। संस्थाले पढ्नेछ।",
      forget: "यो मेलबक्स मेटाउनुहोस्",
      forgetAgain: "सधैंको लागि मेटाउन फेरि थिच्नुहोस्",
      forgotten: "मेलबक्स र यसका म्यासेजहरू मेटिए।",
    },
    id: {
      haveCode: "Aku punya kode",
      codeLabel: "Kode balasanmu (16 angka)",
      open: "Buka",
      close: "Tutup",
      title: "Kotak pesanmu",
      empty: "Belum ada jawaban. Coba lagi nanti dengan kode yang sama.",
      notFound: "Tidak ada kotak pesan untuk kode ini. Cek lagi angkanya. Kotak pesan dihapus 30 hari setelah pesan terakhirnya.",
      badCode: "Kode balasan terdiri dari 16 angka.",
      tooMany: "Terlalu banyak percobaan. Tunggu {n} detik.",
      failed: "Tidak berhasil. Coba lagi nanti.",
      ngo: "Organisasi",
      answerLabel: "Jawabanmu",
      sendAnswer: "Kirim jawaban",
      sent: "Terkirim. Organisasi akan membacanya.",
      forget: "Hapus kotak pesan ini",
      forgetAgain: "Ketuk sekali lagi untuk menghapus selamanya",
      forgotten: "Kotak pesan dan semua pesannya sudah dihapus.",
    },
  };

  function mt(key) {
    return (MAILBOX_STRINGS[uiLanguage()] || MAILBOX_STRINGS.en)[key];
  }

  // The code lives in this variable while the mailbox is open, and nowhere else: not in
  // the page's text, not in storage, not in a URL. Closing, the quick exit or leaving the
  // page forgets it.
  let mailboxCode = null;
  let mailboxView = null;

  function closeMailbox() {
    mailboxCode = null;
    if (mailboxView !== null) mailboxView.remove();
    mailboxView = null;
  }

  function build(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // When it was sent, in Japan time, as her phone writes dates in her language.
  function sentAt(iso) {
    const when = new Date(iso);
    if (!iso || Number.isNaN(when.getTime())) return "";
    const options = {
      timeZone: "Asia/Tokyo",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    };
    try {
      return new Intl.DateTimeFormat(uiLanguage(), options).format(when);
    } catch {
      return iso;
    }
  }

  function mailboxMessage(list, message) {
    const mine = message.from === "you";
    const item = build("li", `msg ${mine ? "me" : "bot"}`);
    const who = mine ? t("you") : mt("ngo");
    const when = sentAt(message.sent_at);
    const label = build("span", "mailbox-from", when ? `${who} · ${when}` : who);
    item.append(label, document.createElement("br"));
    if (mine) item.append(message.text);
    else appendWithLinks(item, message.text);
    list.append(item);
  }

  async function mailboxCall(path, body) {
    try {
      const response = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
        referrerPolicy: "no-referrer",
      });
      const data = await response.json().catch(() => null);
      return { status: response.status, data, retry: response.headers.get("Retry-After") };
    } catch {
      return { status: 0, data: null, retry: null };
    }
  }

  function problem(answer) {
    if (answer.status === 404) return mt("notFound");
    if (answer.status === 422) return mt("badCode");
    if (answer.status === 429) {
      const wait = Number.parseInt(answer.retry || "60", 10);
      return mt("tooMany").replace("{n}", String(Number.isFinite(wait) ? wait : 60));
    }
    return mt("failed");
  }

  function showMailbox(messages) {
    const view = mailboxView;
    view.replaceChildren(build("p", "mailbox-title", mt("title")));
    const list = build("ol", "mailbox-messages");
    for (const message of messages) {
      if (message && typeof message.text === "string") mailboxMessage(list, message);
    }
    view.append(list);
    const empty = build("p", "mailbox-note", messages.length === 0 ? mt("empty") : "");
    empty.setAttribute("role", "status");
    view.append(empty);

    const form = build("form", "mailbox-answer");
    form.autocomplete = "off";
    const label = build("label", "", mt("answerLabel"));
    label.htmlFor = "mailbox-text";
    const text = build("textarea");
    text.id = "mailbox-text";
    text.rows = 2;
    text.maxLength = 2000;
    text.spellcheck = false;
    text.setAttribute("autocomplete", "off");
    text.required = true;
    const sendIt = build("button", "", mt("sendAnswer"));
    sendIt.type = "submit";
    form.append(label, text, sendIt);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const answer = text.value.trim();
      if (!answer || mailboxCode === null) return;
      const sent = await mailboxCall("/api/mailbox/reply", {
        code: mailboxCode,
        text: clean(answer),
        language: picker.value || replyLanguage || null,
      });
      if (mailboxView !== view) return; // closed or left meanwhile
      if (sent.status === 202) {
        text.value = "";
        mailboxMessage(list, { from: "you", text: answer, sent_at: "" });
        empty.textContent = mt("sent");
      } else {
        empty.textContent = problem(sent);
      }
    });
    view.append(form);

    const actions = build("p", "mailbox-actions");
    const forgetIt = build("button", "mailbox-forget", mt("forget"));
    forgetIt.type = "button";
    let armed = false;
    forgetIt.addEventListener("click", async () => {
      // Two taps: a reply deleted by mistake cannot be brought back.
      if (!armed) {
        armed = true;
        forgetIt.textContent = mt("forgetAgain");
        return;
      }
      const gone = await mailboxCall("/api/mailbox/forget", { code: mailboxCode });
      if (mailboxView !== view) return;
      if (gone.status === 200 || gone.status === 404) {
        closeMailbox();
        const note = build("li", "msg bot", mt("forgotten"));
        log.append(note);
        scrollDown();
      } else {
        empty.textContent = problem(gone);
      }
    });
    const closeIt = build("button", "", mt("close"));
    closeIt.type = "button";
    closeIt.addEventListener("click", closeMailbox);
    actions.append(forgetIt, " ", closeIt);
    view.append(actions);
    scrollDown();
  }

  function openMailboxForm() {
    closeMailbox();
    const view = build("li", "mailbox");
    mailboxView = view;
    const form = build("form", "mailbox-open");
    form.autocomplete = "off";
    const label = build("label", "", mt("codeLabel"));
    label.htmlFor = "mailbox-code";
    const input = build("input");
    input.id = "mailbox-code";
    input.type = "text";
    input.inputMode = "numeric";
    input.maxLength = 64;
    input.spellcheck = false;
    input.setAttribute("autocomplete", "off");
    input.setAttribute("autocorrect", "off");
    input.required = true;
    const openIt = build("button", "", mt("open"));
    openIt.type = "submit";
    const closeIt = build("button", "", mt("close"));
    closeIt.type = "button";
    closeIt.addEventListener("click", closeMailbox);
    const note = build("p", "mailbox-note");
    note.setAttribute("role", "status");
    form.append(label, input, openIt, " ", closeIt, note);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const code = input.value;
      if (!code.trim()) return;
      openIt.disabled = true;
      const answer = await mailboxCall("/api/mailbox", {
        code,
        language: picker.value || replyLanguage || null,
      });
      openIt.disabled = false;
      if (mailboxView !== view) return;
      if (answer.status === 200 && answer.data && Array.isArray(answer.data.messages)) {
        input.value = "";
        mailboxCode = code;
        showMailbox(answer.data.messages);
      } else {
        note.textContent = problem(answer);
      }
    });
    view.append(form);
    log.append(view);
    scrollDown();
    input.focus();
  }

  function cardText(language, key) {
    return (CARD_STRINGS[language] || CARD_STRINGS.en)[key];
  }

  // Opening times are Japan time; she is in Japan, and the weekday makes "opens" plain.
  function japanTime(iso, language, withDay) {
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) return "";
    const options = { timeZone: "Asia/Tokyo", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (withDay) options.weekday = "short";
    try {
      return new Intl.DateTimeFormat(language, options).format(when);
    } catch {
      return when.toISOString();
    }
  }

  function languageNames(codes, language) {
    let names = null;
    try {
      names = new Intl.DisplayNames([language], { type: "language" });
    } catch {
      names = null;
    }
    return codes.map((code) => (names && names.of(code)) || code);
  }

  function textLine(className, text) {
    const line = document.createElement("p");
    line.className = className;
    line.textContent = text;
    return line;
  }

  function stateLine(contact, language) {
    let text = cardText(language, "unknown");
    if (contact.status === "open") {
      text = cardText(language, "open");
      if (contact.closes_at) {
        text += ` · ${cardText(language, "until").replace("{t}", japanTime(contact.closes_at, language, false))}`;
      }
    } else if (contact.status === "closed") {
      text = cardText(language, "closed");
      if (contact.opens_at) {
        text += ` · ${cardText(language, "opens").replace("{t}", japanTime(contact.opens_at, language, true))}`;
      }
    }
    const line = textLine(`card-state ${contact.status === "open" ? "is-open" : "is-closed"}`, text);
    return line;
  }

  function callLink(number, dial, language, className) {
    const link = document.createElement("a");
    link.className = className;
    link.href = `tel:${dial}`;
    const label = document.createElement("span");
    label.className = "call-label";
    label.textContent = cardText(language, "call");
    link.append(label, " ", number);
    return link;
  }

  function contactCard(contact, language) {
    const card = document.createElement("li");
    card.className = `card${contact.emergency ? " card-emergency" : ""}`;
    card.dataset.contact = String(contact.id);
    const name = textLine("card-name", contact.confirmed ? contact.name : `${contact.name} *`);
    card.append(name, textLine("card-help", String(contact.helps_with || "")));
    card.append(stateLine(contact, language));
    if (Array.isArray(contact.languages) && contact.languages.length > 0) {
      const names = languageNames(contact.languages, language).join(", ");
      const more = contact.languages_more ? ` ${cardText(language, "more")}` : "";
      card.append(textLine("card-langs", `${cardText(language, "speaks")} ${names}${more}`));
    }
    if (contact.hours) card.append(textLine("card-hours", contact.hours));
    const dial = (value) => (typeof value === "string" && /^\+?[0-9]+$/.test(value) ? value : null);
    if (dial(contact.dial)) card.append(callLink(contact.phone, contact.dial, language, "call"));
    if (dial(contact.alt_dial)) {
      card.append(callLink(contact.alt_phone, contact.alt_dial, language, "call call-alt"));
      if (contact.alt_phone_note) card.append(textLine("card-hours", contact.alt_phone_note));
    }
    const web = typeof contact.web === "string" ? safeLink(contact.web) : null;
    if (web) {
      web.className = "card-web";
      web.textContent = cardText(language, "web");
      const host = document.createElement("span");
      host.className = "card-host";
      host.textContent = ` (${new URL(contact.web).hostname})`;
      web.append(host);
      card.append(web);
    }
    if (!contact.confirmed) card.append(textLine("card-check", cardText(language, "unconfirmed")));
    return card;
  }

  function hasCards(message) {
    return Array.isArray(message.contacts) && message.contacts.some((c) => c && c.id);
  }

  function cardList(message, language) {
    const lang = known(language) ? language : uiLanguage();
    const item = document.createElement("li");
    item.className = "msg bot cards";
    item.lang = lang;
    item.append(speaker("bot"));
    const list = document.createElement("ul");
    list.className = "card-list";
    for (const contact of message.contacts) {
      if (contact && contact.id) list.append(contactCard(contact, lang));
    }
    item.append(list);
    log.append(item);
    return item;
  }

  // Read aloud: only with a voice that runs on this phone (localService), never a network
  // voice, so her words go nowhere; no such voice, no button.
  const spoken = new WeakMap();

  function localVoice(language) {
    if (!("speechSynthesis" in window) || typeof window.speechSynthesis.getVoices !== "function") {
      return null;
    }
    const wanted = language === "tl" ? ["tl", "fil"] : [language];
    const voices = window.speechSynthesis.getVoices() || [];
    return (
      voices.find(
        (voice) =>
          voice &&
          voice.localService === true &&
          wanted.includes(String(voice.lang).toLowerCase().split(/[-_]/)[0]),
      ) || null
    );
  }

  function forSpeech(text) {
    return text.replace(LINK, " ").replace(/ \*/g, "");
  }

  function readAloudButton(item) {
    const entry = spoken.get(item);
    if (!entry || item.querySelector(".read-aloud")) return;
    const voice = localVoice(entry.language);
    if (!voice) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "read-aloud";
    button.textContent = cardText(entry.language, "listen");
    button.addEventListener("click", () => {
      const chosen = localVoice(entry.language);
      if (!chosen) return;
      const utterance = new SpeechSynthesisUtterance(forSpeech(entry.text));
      utterance.voice = chosen;
      utterance.lang = chosen.lang;
      window.speechSynthesis.cancel();
      window.speechSynthesis.speak(utterance);
    });
    item.append(button);
  }

  function offerReadAloud(item, text, language) {
    if (!item || !known(language)) return;
    spoken.set(item, { text, language });
    readAloudButton(item);
  }

  if ("speechSynthesis" in window && typeof window.speechSynthesis.addEventListener === "function") {
    // Voices often load after the page: offer the button on messages already shown.
    window.speechSynthesis.addEventListener("voiceschanged", () => {
      for (const item of log.querySelectorAll(".msg.bot")) readAloudButton(item);
    });
    window.addEventListener("pagehide", () => window.speechSynthesis.cancel());
  }

  // The emergency numbers, in the page since it loaded: shown whatever fails.
  function emergencyBlock(header) {
    const language = uiLanguage();
    const item = document.createElement("li");
    item.className = "msg emergency";
    item.lang = language;
    const source =
      emergency.content.querySelector(`section[data-lang="${language}"]`) ||
      emergency.content.querySelector("section");
    if (source) {
      const copy = source.cloneNode(true);
      const title = copy.querySelector("p");
      if (header && title) title.textContent = header;
      item.append(...copy.childNodes);
    } else if (header) {
      item.append(header);
    }
    log.append(item);
  }

  function fallbackFromServer(messages, language) {
    const item = document.createElement("li");
    item.className = "msg emergency";
    if (language) item.lang = language;
    for (const message of messages) {
      const line = document.createElement("p");
      line.textContent = String(message && message.text);
      item.append(line);
    }
    log.append(item);
  }

  function isChatBody(data) {
    return data !== null && typeof data === "object" && Array.isArray(data.messages);
  }

  function clean(text) {
    const wellFormed = typeof text.toWellFormed === "function" ? text.toWellFormed() : text;
    return wellFormed.replace(CONTROL, " ");
  }

  function setBusy(value) {
    busy = value;
    log.setAttribute("aria-busy", String(value));
    status.textContent = value ? t("waiting") : "";
  }

  async function send(text, shown) {
    if (busy || leaving) return;
    setBusy(true);
    bubble(shown, "me");
    scrollDown();
    let response = null;
    let data = null;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    inFlight = controller;
    try {
      response = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session, text: clean(text), language: picker.value || null }),
        cache: "no-store",
        credentials: "omit",
        referrerPolicy: "no-referrer",
        signal: controller.signal,
      });
      data = await response.json().catch(() => null);
    } catch {
      response = null;
    } finally {
      clearTimeout(timer);
      if (inFlight === controller) inFlight = null;
    }
    if (leaving) return; // the page was wiped while we waited
    setBusy(false);
    if (isChatBody(data) && typeof data.session === "string") session = data.session;
    if (response === null) {
      emergencyBlock(t("offline"));
    } else if (response.ok && isChatBody(data)) {
      if (known(data.language)) {
        replyLanguage = data.language;
        applyLanguage();
      }
      for (const message of data.messages) {
        if (!message || typeof message.text !== "string") continue;
        if (hasCards(message)) cardList(message, data.language);
        else bubble(message.text, "bot", data.language);
        offerReadAloud(log.lastElementChild, message.text, data.language);
        buttonRow(message.buttons);
      }
    } else if (response.status === 503 && isChatBody(data) && data.messages.length > 0) {
      fallbackFromServer(data.messages, data.language);
    } else if (response.status === 429) {
      const wait = Number.parseInt(response.headers.get("Retry-After") || "60", 10);
      emergencyBlock(t("tooMany").replace("{n}", String(Number.isFinite(wait) ? wait : 60)));
    } else {
      emergencyBlock(null);
    }
    scrollDown();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy || leaving) return;
    input.value = "";
    send(text, text);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  picker.addEventListener("change", applyLanguage);
  byId("have-code").addEventListener("click", openMailboxForm);
  exitLink.addEventListener("click", quickExit);
  document.addEventListener("keydown", onKeyDown, true);
  // Leaving by any other way (reload, a typed address) also forgets the conversation,
  // and a page brought back from the back/forward cache comes back without it.
  window.addEventListener("pagehide", () => {
    forget();
    closeMailbox();
    if (leaving) return;
    for (const item of [...log.children]) {
      if (!item.classList.contains("note")) item.remove();
    }
  });

  applyLanguage();
})();
