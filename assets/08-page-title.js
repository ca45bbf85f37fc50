/* The browser tab's title in the page's language. Dash puts the page's registered (Chinese) title in the tab on
   every page change; the shell's callback marks the document's language (<html lang>) from the URL. Whichever
   comes last, the title is then put in that language: English titles by Chinese title are in the shell's
   #shell-titles (pages/_shell.py english_titles), and a page back in Chinese gets its Chinese title again. */
(function () {
  "use strict";

  let english = null;  // Chinese title → English title, read once from the shell

  function titles() {
    if (english === null) {
      const holder = document.getElementById("shell-titles");
      if (!holder) {
        return null;
      }
      try {
        english = JSON.parse(holder.dataset.titles || "{}");
      } catch (e) {
        english = {};
      }
    }
    return english;
  }

  function follow() {
    const table = titles();
    if (!table) {
      return;
    }
    const now = document.title;
    let wanted = now;
    if (document.documentElement.lang === "en") {
      wanted = table[now] || now;
    } else {
      for (const zh in table) {
        if (table[zh] === now) {
          wanted = zh;
        }
      }
    }
    if (wanted !== now) {
      document.title = wanted;  // seen by the observer again, and then left as it is
    }
  }

  // The <title> element's text (Dash sets document.title) and <html lang> (the shell's callback); the shell's
  // holder of the titles arrives with the first render, so the body's children are watched until it has.
  const observer = new MutationObserver(follow);
  observer.observe(document.head, {childList: true, subtree: true, characterData: true});
  observer.observe(document.documentElement, {attributes: true, attributeFilter: ["lang"]});
  const waiting = new MutationObserver(function () {
    if (titles()) {
      waiting.disconnect();
      follow();
    }
  });
  waiting.observe(document.documentElement, {childList: true, subtree: true});
})();
