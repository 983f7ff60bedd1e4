// yibao-check web UI: a little plain JavaScript for the intake page (file list, per-file
// upload progress, live checklist) and a few keyboard helpers. No external code.
"use strict";

(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const $ = (sel, root) => (root || document).querySelector(sel);

  function sizeText(n) {
    return n > 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(n / 1024)) + " KB";
  }

  function intake(form) {
    const files = [];
    const drop = $("#drop"), input = $("#files"), table = $("#file-table"), body = table.tBodies[0];
    const checklist = $("#checklist"), errorBox = $("#form-error");
    let timer = null;

    function materials() {
      return Array.from(checklist.querySelectorAll("li[data-material]")).map((li) => ({
        id: li.dataset.material, name: li.querySelector(".name").textContent,
      }));
    }

    // which checklist lines the clerk has marked as covered by a dropped file
    function markCovered() {
      const chosen = new Set(files.map((f) => f.material).filter(Boolean));
      checklist.querySelectorAll("li[data-material]").forEach((li) => {
        const covered = chosen.has(li.dataset.material);
        li.classList.toggle("state-selected", covered);
        li.classList.toggle("state-" + li.dataset.state, !covered);
        li.querySelector(".state").textContent = covered ? "已选文件" : li.dataset.label;
      });
    }

    function refreshChecklist() {
      const data = new FormData(form);
      const params = new URLSearchParams();
      for (const [k, v] of data.entries()) {
        if (typeof v === "string" && k !== "csrf" && v) params.append(k, v);
      }
      fetch("/ui/intake/checklist?" + params.toString())
        .then((r) => r.text().then((t) => ({ ok: r.ok, text: t })))
        .then(({ ok, text }) => {
          if (!ok) {
            let msg = "事项无效";
            try { msg = JSON.parse(text).error.message; } catch (e) { /* keep default */ }
            checklist.innerHTML = "";
            const p = document.createElement("p"); p.className = "alert"; p.textContent = msg;
            checklist.appendChild(p);
            return;
          }
          checklist.innerHTML = text;
          checklist.querySelectorAll("li[data-material]").forEach((li) => {
            li.dataset.label = li.querySelector(".state").textContent;
          });
          renderFiles();
          markCovered();
        });
      const opt = Array.from($("#item-list").options).find((o) => o.value === $("#item").value);
      $("#item-name").textContent = opt ? opt.label : "";
    }

    function renderFiles() {
      const options = materials();
      body.innerHTML = "";
      files.forEach((f, i) => {
        const tr = document.createElement("tr");
        const name = document.createElement("td"); name.className = "name"; name.textContent = f.file.name; name.title = f.file.name;
        const size = document.createElement("td"); size.textContent = sizeText(f.file.size);
        const mat = document.createElement("td");
        const sel = document.createElement("select");
        sel.setAttribute("aria-label", f.file.name + " 对应材料");
        sel.add(new Option("自动识别", ""));
        options.forEach((m) => sel.add(new Option(m.name, m.id, false, m.id === f.material)));
        sel.addEventListener("change", () => { f.material = sel.value; markCovered(); });
        mat.appendChild(sel);
        const prog = document.createElement("td");
        f.bar = document.createElement("progress"); f.bar.max = 100; f.bar.value = f.done || 0;
        f.bar.setAttribute("aria-label", f.file.name + " 上传进度");
        f.pct = document.createElement("span"); f.pct.className = "muted"; f.pct.textContent = " " + (f.done || 0) + "%";
        prog.append(f.bar, f.pct);
        const rm = document.createElement("td");
        const btn = document.createElement("button"); btn.type = "button"; btn.textContent = "移除";
        btn.setAttribute("aria-label", "移除 " + f.file.name);
        btn.addEventListener("click", () => { files.splice(i, 1); renderFiles(); markCovered(); });
        rm.appendChild(btn);
        tr.append(name, size, mat, prog, rm);
        body.appendChild(tr);
      });
      table.hidden = files.length === 0;
    }

    function add(list) {
      for (const file of list) {
        if (!files.some((f) => f.file.name === file.name && f.file.size === file.size)) {
          files.push({ file: file, material: "", done: 0 });
        }
      }
      renderFiles(); markCovered();
    }

    drop.addEventListener("click", () => input.click());
    drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } });
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); add(e.dataTransfer.files); });
    input.addEventListener("change", () => { add(input.files); input.value = ""; });

    form.addEventListener("change", (e) => {
      if (e.target.matches("[data-reload]")) {
        window.location.search = e.target.value ? "?region=" + encodeURIComponent(e.target.value) : "";
      } else if (e.target.matches("[data-refresh]")) {
        refreshChecklist();
      }
    });
    $("#item").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refreshChecklist, 300); });

    form.addEventListener("submit", (e) => {
      e.preventDefault();
      errorBox.hidden = true;
      if (!files.length) { showError("请至少添加一个文件"); drop.focus(); return; }
      const data = new FormData();
      for (const [k, v] of new FormData(form).entries()) {
        if (typeof v === "string" && v && k !== "csrf") data.append(k, v);
      }
      // multipart parts go out in order: each file's progress is its share of the bytes sent
      let offset = 0;
      const spans = files.map((f) => { const s = [offset, f.file.size]; offset += f.file.size; return s; });
      files.forEach((f) => data.append("files", f.file, f.file.name));
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRF-Token", csrf());
      xhr.upload.addEventListener("progress", (ev) => {
        if (!ev.lengthComputable) return;
        const sent = ev.loaded * (offset / ev.total);
        files.forEach((f, i) => {
          const [start, size] = spans[i];
          f.done = Math.round(Math.min(1, Math.max(0, (sent - start) / (size || 1))) * 100);
          f.bar.value = f.done; f.pct.textContent = " " + f.done + "%";
        });
      });
      xhr.addEventListener("load", () => {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { /* not JSON */ }
        if (xhr.status === 202) {
          files.forEach((f) => { f.done = 100; f.bar.value = 100; f.pct.textContent = " 已上传"; });
          $("#submit").disabled = true;
          follow(body.id, body.href);
        } else {
          $("#submit").disabled = false;
          showError((body.error && body.error.message) || "上传失败（" + xhr.status + "）");
        }
      });
      xhr.addEventListener("error", () => { $("#submit").disabled = false; showError("网络错误，文件未提交"); });
      $("#submit").disabled = true;
      xhr.send(data);
    });

    function showError(msg) { errorBox.textContent = msg; errorBox.hidden = false; }

    function follow(id, href) {
      const box = $("#result"), status = $("#result-status"), link = $("#result-link");
      box.hidden = false; link.href = href; link.textContent = "打开申报 " + id;
      const poll = () => fetch("/ui/submissions/" + id + "/status").then((r) => r.json()).then((s) => {
        const p = s.progress || {};
        let text = s.status_label;
        if (p.files_total) text += "：已识别 " + (p.files_done || 0) + "/" + p.files_total + " 个文件";
        if (s.status === "decided") {
          text = "核验完成：" + s.decision + "，发现问题 " + s.findings + " 项";
          if (s.checklist_html) checklist.innerHTML = s.checklist_html;
          status.textContent = text; status.dataset.done = "1";
          link.focus();
          return;
        }
        if (s.status === "failed") { status.textContent = "处理失败：" + ((s.error && s.error.message) || ""); return; }
        status.textContent = text;
        setTimeout(poll, 1500);
      });
      poll();
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = $("#intake-form");
    if (form) intake(form);
    // the cover sheets follow the item, region, channel and facts chosen on the intake form
    const cover = $("#coversheet-form");
    if (cover) {
      cover.addEventListener("submit", (e) => {
        const item = $("#item").value.trim();
        if (!item) { e.preventDefault(); $("#item").focus(); return; }
        $("#cs-item").value = item;
        $("#cs-region").value = $("#region").value;
        $("#cs-channel").value = $("#channel").value;
        // the case facts chosen so far go into the QR code (unset ones stay unknown)
        const facts = {};
        document.querySelectorAll("[name^='fact.']").forEach((el) => {
          if (el.value.trim()) facts[el.name.slice(5)] = el.value.trim();
        });
        $("#cs-facts").value = Object.keys(facts).length ? JSON.stringify(facts) : "";
      });
    }
    // a jump to a box opens the finding it belongs to, and a finding link opens its details
    const openTarget = () => {
      const el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (el && el.tagName === "DETAILS") el.open = true;
    };
    window.addEventListener("hashchange", openTarget);
    openTarget();
  });
})();
