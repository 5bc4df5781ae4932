// The report form on a slow phone connection (progressive enhancement: without this file
// the form posts as plain HTML). Before sending: check each photo's type and size, shrink
// what the browser can decode (long side from the form, JPEG 0.85). While sending: a
// progress bar and percentage, the buttons disabled. Limits and messages come from the
// form's data- attributes (portal/citizen/upload_limits.py), never from this file.
"use strict";
(function () {
  var form = document.querySelector("form[data-photo-max-bytes]");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = form.querySelector("input[type=file][name=photos]");
  var bar = form.querySelector(".upload-progress");
  var status = form.querySelector(".upload-status");
  var data = form.dataset;
  var maxBytes = parseInt(data.photoMaxBytes, 10);
  var maxCount = parseInt(data.photoMaxCount, 10);
  var longSide = parseInt(data.photoLongSide, 10);
  var SMALL = 512 * 1024; // a photo this light and within the long side is sent as it is
  var QUALITY = 0.85;
  var target = form.action.split("#")[0];
  var sending = false;
  var errorList = null;

  function say(text, name) {
    return text.replace("{name}", name || "");
  }

  function buttons(disabled) {
    var all = form.querySelectorAll("button[type=submit], button:not([type])");
    for (var i = 0; i < all.length; i++) all[i].disabled = disabled;
  }

  function showStatus(text) {
    if (status) status.textContent = text;
  }

  function showProblems(problems) {
    if (!input) return;
    if (!errorList) {
      errorList = document.createElement("ul");
      errorList.className = "errors";
      errorList.id = "photos-check";
      var after = input.nextElementSibling;
      while (after && after.classList.contains("hint")) after = after.nextElementSibling;
      input.parentNode.insertBefore(errorList, after);
      var described = (input.getAttribute("aria-describedby") || "").split(" ");
      if (described.indexOf(errorList.id) < 0) described.push(errorList.id);
      input.setAttribute("aria-describedby", described.join(" ").trim());
    }
    errorList.textContent = "";
    problems.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      errorList.appendChild(li);
    });
    input.setAttribute("aria-invalid", problems.length ? "true" : "false");
    errorList.hidden = !problems.length;
    if (problems.length) input.focus();
  }

  // The file's own first bytes, not its name: a renamed text file is no photo.
  function kind(file) {
    return file
      .slice(0, 16)
      .arrayBuffer()
      .then(function (buffer) {
        var b = new Uint8Array(buffer);
        var ascii = String.fromCharCode.apply(null, b);
        if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
        if (ascii.slice(0, 8) === "\x89PNG\r\n\x1a\n") return "png";
        if (ascii.slice(0, 4) === "RIFF" && ascii.slice(8, 12) === "WEBP") return "webp";
        if (ascii.slice(4, 8) === "ftyp" && /^(hei[cxms]|hev[cx]|mif1|msf1)$/.test(ascii.slice(8, 12)))
          return "heif";
        return null;
      });
  }

  function toBlob(canvas) {
    return new Promise(function (resolve) {
      canvas.toBlob(resolve, "image/jpeg", QUALITY);
    });
  }

  // A smaller JPEG of the photo, or the photo itself (already small, or not decodable
  // here, e.g. HEIC on most phones: the server reads it).
  async function shrink(file) {
    if (!window.createImageBitmap) return file;
    var bitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (e) {
      return file;
    }
    var w = bitmap.width;
    var h = bitmap.height;
    var scale = Math.min(1, longSide / Math.max(w, h));
    if (scale === 1 && file.size <= SMALL) {
      bitmap.close();
      return file;
    }
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    var context = canvas.getContext("2d");
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    var blob = await toBlob(canvas);
    if (!blob || (scale === 1 && blob.size >= file.size)) return file;
    var name = (file.name || "foto").replace(/\.[^.]*$/, "") + ".jpg";
    return new File([blob], name, { type: "image/jpeg" });
  }

  async function preparePhotos(files) {
    var problems = [];
    if (files.length > maxCount) return { photos: [], problems: [data.msgTooMany] };
    var ready = [];
    for (var i = 0; i < files.length; i++) {
      var file = files[i];
      if (!(await kind(file))) {
        problems.push(say(data.msgNotImage, file.name));
        continue;
      }
      var sent = problems.length ? file : await shrink(file);
      if (sent.size > maxBytes) problems.push(say(data.msgTooLarge, file.name));
      ready.push(sent);
    }
    return { photos: ready, problems: problems };
  }

  function progress(percent) {
    if (bar) {
      bar.hidden = false;
      bar.querySelector("progress").value = percent;
    }
    showStatus(data.msgSending.replace("{percent}", String(percent)));
  }

  function failed() {
    sending = false;
    buttons(false);
    if (bar) bar.hidden = true;
    showStatus(data.msgFailed);
  }

  function send(body) {
    var xhr = new XMLHttpRequest();
    var shown = -1;
    xhr.open("POST", target);
    xhr.upload.onprogress = function (event) {
      if (!event.lengthComputable) return;
      var percent = Math.floor((event.loaded / event.total) * 100);
      if (percent !== shown) progress((shown = percent));
    };
    xhr.onload = function () {
      if (xhr.responseURL && xhr.responseURL !== target) {
        window.location.assign(xhr.responseURL); // the receipt, after the 303
        return;
      }
      // A form with errors (400, 409, 429, 503 ...): shown exactly as without JavaScript.
      document.open();
      document.write(xhr.responseText);
      document.close();
    };
    xhr.onerror = failed;
    xhr.onabort = failed;
    progress(0);
    xhr.send(body);
  }

  // Back to a page kept in the back-forward cache: it may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      sending = false;
      buttons(false);
    }
  });

  form.addEventListener("submit", async function (event) {
    if (sending) {
      event.preventDefault(); // a second tap: the first is on its way
      return;
    }
    var submitter = event.submitter;
    var withoutPhotos = submitter && submitter.name === "tanpa_foto";
    var files = input && !withoutPhotos ? Array.prototype.slice.call(input.files) : [];
    sending = true;
    // No photo: nothing to check, shrink or show progress for, and the browser's own post
    // saves the extra request the script's would cost (the receipt fetched twice).
    if (!files.length) return;
    event.preventDefault();
    buttons(true);
    if (files.length) showStatus(data.msgPreparing);
    var checked = await preparePhotos(files);
    showProblems(checked.problems);
    if (checked.problems.length) {
      sending = false;
      buttons(false);
      showStatus("");
      return;
    }
    var body = new FormData(form);
    body.delete("photos");
    checked.photos.forEach(function (photo) {
      body.append("photos", photo, photo.name);
    });
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    send(body);
  });
})();
