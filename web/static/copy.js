// Copy buttons: shown only when this script runs, so pages work without it.
// Buttons with data-copy="ID" copy the text of element ID; every install
// command (pre.cmd) gets a button of its own.
'use strict';

(function () {
	function copyText(text, button) {
		var done = function () {
			var label = button.textContent;
			button.textContent = 'Copied';
			button.setAttribute('aria-live', 'polite');
			setTimeout(function () { button.textContent = label; }, 1500);
		};
		if (navigator.clipboard && window.isSecureContext) {
			navigator.clipboard.writeText(text).then(done, function () { fallback(text) && done(); });
		} else if (fallback(text)) {
			done();
		}
	}

	// Plain HTTP from another host has no Clipboard API: select and copy.
	function fallback(text) {
		var area = document.createElement('textarea');
		area.value = text;
		area.setAttribute('readonly', '');
		area.className = 'offscreen';
		document.body.appendChild(area);
		area.select();
		var ok = false;
		try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
		document.body.removeChild(area);
		return ok;
	}

	function init() {
		document.querySelectorAll('button.copy[data-copy]').forEach(function (button) {
			var target = document.getElementById(button.getAttribute('data-copy'));
			if (!target) return;
			button.hidden = false;
			button.addEventListener('click', function () { copyText(target.textContent, button); });
		});
		document.querySelectorAll('pre.cmd').forEach(function (pre) {
			var box = document.createElement('div');
			box.className = 'cmd-box';
			pre.parentNode.insertBefore(box, pre);
			box.appendChild(pre);
			var button = document.createElement('button');
			button.type = 'button';
			button.className = 'copy';
			button.textContent = 'Copy';
			button.setAttribute('aria-label', 'Copy these commands');
			button.addEventListener('click', function () { copyText(pre.textContent, button); });
			box.appendChild(button);
		});
	}

	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
	else init();
})();
