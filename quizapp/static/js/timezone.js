// Preselect the browser's time zone on sign-up; the field stays editable and works without JS.
(function () {
  var select = document.getElementById("time_zone");
  if (!select || select.getAttribute("aria-invalid") === "true") return;
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]')) {
      select.value = zone;
    }
  } catch (e) {
    /* keep the server's default */
  }
})();
